/*
 * picker.js -- web: finding or registering a person in case management
 * (a "subject"), for the case pages.  Loaded after app.js.  Adds
 * fk.picker(box, prefix, onPick): a copy of <template id="pick-tpl">
 * placed in box, whose inputs get ids "<prefix>-<part>" (so labels work
 * and tests can find them).  Two ways in:
 *
 *   one of the organisation's people, by person ID: shown by name
 *     (GET /api/v1/people/{id}), registered with POST /api/v1/subjects
 *     {person_id} (200 with existing:true if already there);
 *   an external person: name, phone, ID number (18 characters, kept by
 *     the server only as a keyed hash) and region, POST /api/v1/subjects.
 *     A 409 lists the candidates (same ID number, or same name and
 *     phone): the official either says one of them is the same person
 *     (merge: the details typed here are registered and merged into that
 *     record with POST /api/v1/subjects/{id}/merge, which keeps history
 *     and fills in what the old record lacked; with nothing new, the old
 *     record is simply used), or creates a new one anyway (?force=1).
 *
 * onPick(subject) is called with the chosen subject, and with null when
 * the official wants to change it.  The returned object has get(), set(s)
 * and reset().
 */
(function () {
	'use strict';

	fk.extend({
		'zh-CN': {
			'pick.source': '人员来源',
			'pick.registry': '本单位人员',
			'pick.external': '外部人员',
			'pick.person_id': '人员编号',
			'pick.name': '姓名',
			'pick.phone': '手机号码（选填）',
			'pick.id_number': '身份证号（选填）',
			'pick.id_number.help': '只保存加密后的摘要，用于查重，不保存号码本身。',
			'pick.region': '居住地区代码（6 位）',
			'pick.dups': '已经有相似的人员记录。是同一人吗？',
			'pick.force': '都不是同一人，仍然新建',
			'pick.submit': '确定人员',
			'pick.picked': '已选：',
			'pick.change': '更换',
			'pick.same': '是同一人，合并',
			'pick.has_id': '有身份证号',
			'pick.merged': '已合并到 #{id}',
			'pick.unknown_person': '没有这个人员编号，请核对。',
			'pick.region.bad': '没有这个地区代码，请核对。',
			'pick.need.person_id': '请输入人员编号。',
			'pick.need.name': '请输入姓名。',
			'pick.need.region': '请输入 6 位地区代码。',
			'pick.need.id_number': '身份证号应为 18 位。',
			'pick.busy': '正在提交…',
			'pick.subject': '人员 #{id}'
		},
		en: {
			'pick.source': 'Who is it?',
			'pick.registry': 'One of our people',
			'pick.external': 'Someone else',
			'pick.person_id': 'Person ID',
			'pick.name': 'Name',
			'pick.phone': 'Mobile number (optional)',
			'pick.id_number': 'Resident ID number (optional)',
			'pick.id_number.help': 'Only a keyed hash is stored, to find duplicates; never the number itself.',
			'pick.region': 'Region code of residence (6 digits)',
			'pick.dups': 'Similar people are already registered. Is it one of them?',
			'pick.force': 'None of them: create a new person',
			'pick.submit': 'Use this person',
			'pick.picked': 'Chosen: ',
			'pick.change': 'Change',
			'pick.same': 'Same person: merge',
			'pick.has_id': 'has an ID number',
			'pick.merged': 'merged into #{id}',
			'pick.unknown_person': 'No person has this ID. Please check it.',
			'pick.region.bad': 'There is no region with this code. Please check it.',
			'pick.need.person_id': 'Please enter the person ID.',
			'pick.need.name': 'Please enter the name.',
			'pick.need.region': 'Please enter a 6-digit region code.',
			'pick.need.id_number': 'A resident ID number has 18 characters.',
			'pick.busy': 'Sending…',
			'pick.subject': 'person #{id}'
		}
	});

	function translate(root) {
		root.querySelectorAll('[data-i18n]').forEach(function (n) {
			n.textContent = fk.t(n.getAttribute('data-i18n'));
		});
	}

	/* "#12 · P0001 · 北京市 海淀区" for a subject, region named later. */
	function describe(s, node) {
		var bits = ['#' + s.id];
		if (s.person_id)
			bits.push(s.person_id);
		if (s.phone)
			bits.push(s.phone);
		node.textContent = bits.join(' · ') + (s.region_code ? ' · ' + s.region_code : '');
		if (s.region_code)
			fk.regionName(s.region_code).then(function (n) {
				if (n)
					node.textContent = bits.join(' · ') + ' · ' + n;
			});
		return node;
	}

	function picker(box, prefix, onPick) {
		var tpl = document.getElementById('pick-tpl');
		var root = tpl.content.firstElementChild.cloneNode(true);
		var picked = null;
		var busy = false;
		var part = function (name) { return root.querySelector('[data-part="' + name + '"]'); };

		root.querySelectorAll('input[data-part], select[data-part]').forEach(function (n) {
			var p = n.getAttribute('data-part');
			if (p === 'kind') {
				n.name = prefix + '-kind';
				n.id = prefix + '-kind-' + n.value;
			} else {
				n.id = prefix + '-' + p;
				n.name = p;
			}
		});
		root.querySelectorAll('label[data-for]').forEach(function (l) {
			l.setAttribute('for', prefix + '-' + l.getAttribute('data-for'));
		});
		['submit', 'force', 'change', 'error', 'dups', 'picked'].forEach(function (p) {
			part(p).id = prefix + '-' + p;
		});
		translate(root);
		fk.clear(box);
		box.appendChild(root);

		var errorBox = part('error');
		var kindInputs = root.querySelectorAll('input[data-part="kind"]');

		function kind() {
			var k = 'registry';
			kindInputs.forEach(function (i) {
				if (i.checked)
					k = i.value;
			});
			return k;
		}

		function showKind() {
			part('registry-fields').hidden = kind() !== 'registry';
			part('external-fields').hidden = kind() !== 'external';
			part('dups').hidden = true;
			part('submit').hidden = false;
			fk.showMessage(errorBox, null);
		}

		kindInputs.forEach(function (i) { i.addEventListener('change', showKind); });

		/* a registry person's name as the ID is typed */
		var lookupSeq = 0;
		async function lookup() {
			var id = part('person_id').value.trim().toUpperCase();
			var out = part('person-name');
			var seq = ++lookupSeq;
			out.removeAttribute('data-state');
			out.textContent = '';
			if (!id)
				return null;
			var g;
			try {
				g = await fk.get('/api/v1/people/' + encodeURIComponent(id));
			} catch (e) {
				return null;
			}
			if (seq !== lookupSeq)
				return null;
			if (g.body) {
				out.textContent = g.body.name + (g.body.department ? ' · ' + g.body.department : '');
				return g.body;
			}
			out.setAttribute('data-state', 'bad');
			out.textContent = fk.t('pick.unknown_person');
			return null;
		}
		part('person_id').addEventListener('change', lookup);

		var regionSeq = 0;
		async function regionShow() {
			var code = part('region_code').value.trim();
			var out = part('region-name');
			var seq = ++regionSeq;
			out.removeAttribute('data-state');
			out.textContent = '';
			if (!/^\d{6}$/.test(code))
				return;
			var n = await fk.regionName(code);
			if (seq !== regionSeq)
				return;
			if (n) {
				out.textContent = n;
			} else {
				out.setAttribute('data-state', 'bad');
				out.textContent = fk.t('pick.region.bad');
			}
		}
		part('region_code').addEventListener('input', regionShow);

		function setBusy(on) {
			busy = on;
			['submit', 'force'].forEach(function (p) { part(p).disabled = on; });
			root.querySelectorAll('[data-part="dup-list"] button').forEach(function (b) { b.disabled = on; });
		}

		function pick(s) {
			picked = s;
			var on = !!s;
			part('picked').hidden = !on;
			root.querySelector('fieldset').hidden = on;
			part('registry-fields').hidden = on || kind() !== 'registry';
			part('external-fields').hidden = on || kind() !== 'external';
			part('submit').hidden = on;
			part('dups').hidden = true;
			fk.showMessage(errorBox, null);
			if (on) {
				part('picked-name').textContent = s.name;
				describe(s, part('picked-sub'));
			}
			if (onPick)
				onPick(s);
		}

		function externalBody() {
			var b = {name: part('name').value.trim(), region_code: part('region_code').value.trim()};
			var phone = part('phone').value.trim();
			var idn = part('id_number').value.trim().toUpperCase();
			if (phone)
				b.phone = phone;
			if (idn)
				b.id_number = idn;
			return b;
		}

		function check() {
			if (kind() === 'registry') {
				if (!part('person_id').value.trim())
					return 'pick.need.person_id';
				return null;
			}
			var b = externalBody();
			if (!b.name)
				return 'pick.need.name';
			if (!/^\d{6}$/.test(b.region_code))
				return 'pick.need.region';
			if (b.id_number && b.id_number.length !== 18)
				return 'pick.need.id_number';
			return null;
		}

		function renderDups(cands) {
			var list = part('dup-list');
			fk.clear(list);
			cands.forEach(function (c) {
				var btn = fk.el('button', {type: 'button', className: 'btn btn-outline', i18n: 'pick.same',
							  'data-candidate': c.id});
				btn.addEventListener('click', function () { merge(c); });
				var facts = [];
				if (c.has_id_number)
					facts.push(fk.t('pick.has_id'));
				if (c.merged_into)
					facts.push(fk.t('pick.merged', {id: c.merged_into}));
				list.appendChild(fk.el('li', {className: 'item dup-item', 'data-subject-id': c.id}, [
					fk.el('p', {}, [fk.el('strong', {text: c.name}), ' ',
						       describe(c, fk.el('span', {className: 'muted'}))]),
					facts.length ? fk.el('p', {className: 'muted', text: facts.join(' · ')}) : null,
					btn
				]));
			});
			part('dups').hidden = false;
			part('submit').hidden = true;
		}

		/* changing what was typed asks again */
		function retype() {
			if (part('dups').hidden || picked)
				return;
			part('dups').hidden = true;
			part('submit').hidden = false;
		}
		root.querySelectorAll('input[data-part]').forEach(function (i) {
			i.addEventListener('input', retype);
		});

		async function post(url, body) {
			var r = await fk.send('POST', url, body);
			return r;
		}

		async function create(force) {
			if (busy)
				return;
			var problem = check();
			if (problem)
				return fk.showMessage(errorBox, problem);
			fk.showMessage(errorBox, null);
			var body = kind() === 'registry'
				? {person_id: part('person_id').value.trim().toUpperCase()}
				: externalBody();
			setBusy(true);
			try {
				var r = await post('/api/v1/subjects' + (force ? '?force=1' : ''), body);
				if (r.body)
					return pick(r.body);
				var err = await fk.readError(r.res);
				if (r.res.status === 409 && err.body && err.body.candidates && err.body.candidates.length) {
					renderDups(err.body.candidates);
					return;
				}
				fk.showMessage(errorBox, fk.errorText(err));
			} catch (e) {
				fk.showMessage(errorBox, 'err.network');
			} finally {
				setBusy(false);
			}
		}

		/*
		 * The person typed in is candidate c.  If what was typed adds
		 * something c lacks (an ID number, a phone), register it and merge it
		 * into c, which keeps both records' history; else use c as it is.
		 */
		async function merge(c) {
			if (busy)
				return;
			var into = c.merged_into || c.id;
			var b = externalBody();
			var adds = (b.id_number && !c.has_id_number) || (b.phone && !c.phone);
			fk.showMessage(errorBox, null);
			setBusy(true);
			try {
				var r;
				if (adds) {
					var made = await post('/api/v1/subjects?force=1', b);
					if (!made.body)
						return fk.showMessage(errorBox, await fk.apiError(made.res));
					r = await post('/api/v1/subjects/' + encodeURIComponent(made.body.id) + '/merge',
						       {into: into});
				} else {
					r = await fk.get('/api/v1/subjects/' + encodeURIComponent(into));
				}
				if (!r.body)
					return fk.showMessage(errorBox, await fk.apiError(r.res));
				pick(r.body);
			} catch (e) {
				fk.showMessage(errorBox, 'err.network');
			} finally {
				setBusy(false);
			}
		}

		part('submit').addEventListener('click', function () { create(false); });
		part('force').addEventListener('click', function () { create(true); });
		part('change').addEventListener('click', function () {
			pick(null);
			(kind() === 'registry' ? part('person_id') : part('name')).focus();
		});
		/* Enter in a field means "use this person", not "submit the page's form" */
		root.addEventListener('keydown', function (ev) {
			if (ev.key === 'Enter' && ev.target.tagName === 'INPUT' && ev.target.type !== 'radio') {
				ev.preventDefault();
				if (ev.target === part('person_id'))
					lookup();
				create(false);
			}
		});

		return {
			get: function () { return picked; },
			set: pick,
			reset: function () {
				root.querySelectorAll('input[type="text"], input[type="tel"]').forEach(function (i) {
					i.value = '';
				});
				part('person-name').textContent = '';
				part('region-name').textContent = '';
				pick(null);
			}
		};
	}

	fk.picker = picker;
	fk.describeSubject = describe;
})();
