/*
 * observations.js -- web: medical observation of close contacts
 * (observations.html).  Two views:
 *
 *   (none)   for officials (their region) and the office (its own people):
 *            today's release list (GET /api/v1/observations?status=open&
 *            ends_on=today, each released with POST .../release), everyone
 *            under observation with the days left, the follow-ups missed on
 *            a day (GET /api/v1/followups/missed?date=&slot=am|pm) and the
 *            open suspected-case reviews (GET /api/v1/reviews?open=1),
 *            resolved by officials as dismissed or case opened (POST
 *            /api/v1/reviews/{id}/resolve; "case opened" takes the case's
 *            number, or registers the case first on cases.html);
 *   ?id=N    one observation (GET /api/v1/observations/{id}): the follow-up
 *            grid, morning and afternoon of each day, missed ones in red;
 *            a form to fill one (POST .../followups; a fever or a symptom
 *            raises a review); for officials, a new end date (POST
 *            .../extend; an earlier one needs a reason) and the release
 *            (POST .../release; before the end date it needs a reason, and
 *            the server refuses while a review is open).
 *
 * Staff see only their own observation (the home page links here), and may
 * fill its follow-ups.
 */
(function () {
	'use strict';

	fk.extend({
		'zh-CN': {
			'obs.doctitle': '医学观察 · 防控',
			'obs.title': '医学观察',
			'obs.back': '‹ 医学观察',
			'obs.more': '加载更多',
			'obs.release.title': '今日可解除',
			'obs.release.intro': '观察期到 {date} 为止的人员，今天起可以解除。',
			'obs.release.none': '今天没有到期解除的人员。',
			'obs.release.go': '解除观察',
			'obs.release.done': '{name} 已解除医学观察。',
			'obs.open.title': '观察中',
			'obs.open.none': '没有正在医学观察的人员。',
			'obs.missed.title': '漏填随访',
			'obs.missed.date': '日期',
			'obs.missed.none': '这一天没有漏填的随访。',
			'obs.reviews.title': '待复核',
			'obs.reviews.intro': '观察期间发热或出现症状，需要判断是否为疑似病例。',
			'obs.reviews.none': '没有待复核的人员。',
			'obs.reviews.dismiss': '排除',
			'obs.reviews.case': '已立案',
			'obs.reviews.case_id': '病例编号',
			'obs.reviews.confirm': '确认',
			'obs.reviews.register': '先登记病例',
			'obs.reviews.need_case': '请输入病例编号。',
			'obs.until': '观察至 {date}',
			'obs.days_left': '还剩 {n} 天',
			'obs.days_none': '今天起可解除',
			'obs.number': '医学观察 #{id}',
			'obs.status.open': '观察中',
			'obs.status.released': '已解除',
			'obs.status.converted': '已转为病例',
			'obs.kind.home': '居家医学观察',
			'obs.kind.centralised': '集中医学观察',
			'obs.reason.close_contact': '密切接触者',
			'obs.k.kind': '方式',
			'obs.k.reason': '原因',
			'obs.k.case': '关联病例',
			'obs.k.last_exposure': '最后接触',
			'obs.k.start': '开始',
			'obs.k.end': '观察至',
			'obs.k.region': '地区',
			'obs.k.by': '登记人',
			'obs.case': '病例 #{id}',
			'obs.slot.am': '上午',
			'obs.slot.pm': '下午',
			'obs.grid.title': '每日随访',
			'obs.grid.date': '日期',
			'obs.grid.filled': '已填',
			'obs.grid.abnormal': '异常',
			'obs.grid.missed': '漏填',
			'obs.grid.todo': '待填',
			'obs.grid.summary': '已填 {filled} 次，漏填 {missed} 次，共 {total} 次。',
			'obs.grid.cell': '{date} {slot}：{state}',
			'obs.fill.title': '填写随访',
			'obs.fill.date': '日期',
			'obs.fill.slot': '时段',
			'obs.fill.temp': '体温（℃）',
			'obs.fill.symptoms': '症状（可多选，没有就不选）',
			'obs.fill.submit': '提交随访',
			'obs.fill.none': '没有需要填写的随访。',
			'obs.fill.need_temp': '请填写 34 到 43 之间的体温。',
			'obs.fill.need_slot': '请选择时段。',
			'obs.fill.ok': '已提交{date}{slot}的随访。',
			'obs.fill.review': '已提交。体温或症状异常，已提交复核，请按要求就医。',
			'obs.extend.title': '调整观察期',
			'obs.extend.date': '观察至',
			'obs.extend.reason': '原因（提前结束时必填）',
			'obs.extend.submit': '保存观察期',
			'obs.release_one.title': '解除医学观察',
			'obs.release_one.reason': '原因（提前解除时必填）',
			'obs.release_one.submit': '解除观察',
			'obs.release_one.due': '观察期已满，可以解除。',
			'obs.release_one.early': '观察期至 {date}，提前解除需要填写原因。',
			'obs.staff.none': '您目前没有医学观察。'
		},
		en: {
			'obs.doctitle': 'Medical observation · Fangkong',
			'obs.title': 'Medical observation',
			'obs.back': '‹ Medical observation',
			'obs.more': 'Load more',
			'obs.release.title': 'Released today',
			'obs.release.intro': 'Observed until {date}: they can be released from today.',
			'obs.release.none': 'Nobody’s observation ends today.',
			'obs.release.go': 'Release',
			'obs.release.done': '{name} is released from observation.',
			'obs.open.title': 'Under observation',
			'obs.open.none': 'Nobody is under medical observation.',
			'obs.missed.title': 'Missed follow-ups',
			'obs.missed.date': 'Date',
			'obs.missed.none': 'No follow-up was missed on this day.',
			'obs.reviews.title': 'To review',
			'obs.reviews.intro': 'A fever or symptoms during observation: is it a suspected case?',
			'obs.reviews.none': 'Nothing to review.',
			'obs.reviews.dismiss': 'Dismiss',
			'obs.reviews.case': 'Case opened',
			'obs.reviews.case_id': 'Case number',
			'obs.reviews.confirm': 'Confirm',
			'obs.reviews.register': 'Register the case first',
			'obs.reviews.need_case': 'Please enter the case number.',
			'obs.until': 'until {date}',
			'obs.days_left': '{n} days left',
			'obs.days_none': 'can be released',
			'obs.number': 'Observation #{id}',
			'obs.status.open': 'Under observation',
			'obs.status.released': 'Released',
			'obs.status.converted': 'Became a case',
			'obs.kind.home': 'At home',
			'obs.kind.centralised': 'In a facility',
			'obs.reason.close_contact': 'Close contact',
			'obs.k.kind': 'Where',
			'obs.k.reason': 'Why',
			'obs.k.case': 'Case',
			'obs.k.last_exposure': 'Last contact',
			'obs.k.start': 'From',
			'obs.k.end': 'Until',
			'obs.k.region': 'Region',
			'obs.k.by': 'Recorded by',
			'obs.case': 'case #{id}',
			'obs.slot.am': 'Morning',
			'obs.slot.pm': 'Afternoon',
			'obs.grid.title': 'Daily follow-ups',
			'obs.grid.date': 'Date',
			'obs.grid.filled': 'Filled',
			'obs.grid.abnormal': 'Abnormal',
			'obs.grid.missed': 'Missed',
			'obs.grid.todo': 'To fill',
			'obs.grid.summary': '{filled} filled, {missed} missed, of {total}.',
			'obs.grid.cell': '{date} {slot}: {state}',
			'obs.fill.title': 'Fill in a follow-up',
			'obs.fill.date': 'Date',
			'obs.fill.slot': 'Time of day',
			'obs.fill.temp': 'Temperature (°C)',
			'obs.fill.symptoms': 'Symptoms (any that apply)',
			'obs.fill.submit': 'Send the follow-up',
			'obs.fill.none': 'No follow-up to fill in.',
			'obs.fill.need_temp': 'Please give a temperature from 34 to 43.',
			'obs.fill.need_slot': 'Please choose the time of day.',
			'obs.fill.ok': 'Follow-up of {date}, {slot} sent.',
			'obs.fill.review': 'Sent. The temperature or symptoms are abnormal and will be reviewed: please see a doctor as told.',
			'obs.extend.title': 'Change the end date',
			'obs.extend.date': 'Observed until',
			'obs.extend.reason': 'Reason (needed to end earlier)',
			'obs.extend.submit': 'Save the end date',
			'obs.release_one.title': 'Release from observation',
			'obs.release_one.reason': 'Reason (needed before the end date)',
			'obs.release_one.submit': 'Release',
			'obs.release_one.due': 'The observation period is over: they can be released.',
			'obs.release_one.early': 'Observed until {date}: releasing earlier needs a reason.',
			'obs.staff.none': 'You are not under medical observation.'
		}
	});

	var $ = function (id) { return document.getElementById(id); };
	var el = fk.el;
	var pageError = $('page-error');
	var role = '';
	var official = false;

	function daysLeftText(o) {
		return o.days_left > 0 ? fk.t('obs.days_left', {n: o.days_left}) : fk.t('obs.days_none');
	}

	function regionInto(node, code) {
		node.textContent = code || '';
		if (code)
			fk.regionName(code).then(function (n) {
				if (n)
					node.textContent = n;
			});
		return node;
	}

	/* ---- lists --------------------------------------------------------- */

	var names = {};          /* observation id -> {name, person_id} */
	var openNext = null;

	function obsLink(o) {
		return el('a', {className: 'person-link', href: '/observations.html?id=' + o.id, text: o.name});
	}

	function releaseItem(o) {
		var li = el('li', {className: 'item', 'data-obs-id': o.id, 'data-person-id': o.person_id || ''}, [
			el('p', {className: 'item-line'}, [obsLink(o), el('span', {className: 'muted', text: o.person_id || ''})]),
			el('p', {className: 'muted', text: fk.t('obs.until', {date: fk.fmtDate(o.end_date)}) + ' · ' +
				fk.t('obs.kind.' + o.kind)})
		]);
		if (official) {
			var b = el('button', {type: 'button', className: 'btn btn-primary', i18n: 'obs.release.go',
					      'data-action': 'release'});
			b.addEventListener('click', async function () {
				b.disabled = true;
				fk.showMessage($('release-error'), null);
				try {
					var r = await fk.send('POST', '/api/v1/observations/' + o.id + '/release', {});
					if (!r.body) {
						fk.showMessage($('release-error'), await fk.apiError(r.res));
						return;
					}
					loadLists();
				} catch (e) {
					fk.showMessage($('release-error'), 'err.network');
				} finally {
					b.disabled = false;
				}
			});
			li.appendChild(b);
		}
		return li;
	}

	function openItem(o) {
		var left = el('span', {className: 'days-left' + (o.days_left <= 0 ? ' days-due' : ''),
				       text: daysLeftText(o)});
		return el('li', {className: 'item', 'data-obs-id': o.id, 'data-person-id': o.person_id || '',
				 'data-days-left': o.days_left, 'data-end': o.end_date}, [
			el('p', {className: 'item-line'}, [obsLink(o), left]),
			el('p', {className: 'muted', text: [o.person_id, fk.t('obs.until', {date: fk.fmtDate(o.end_date)}),
				fk.t('obs.kind.' + o.kind)].filter(Boolean).join(' · ')})
		]);
	}

	async function loadRelease() {
		var today = fk.today();
		$('release-intro').textContent = fk.t('obs.release.intro', {date: fk.fmtDate(today)});
		fk.showMessage($('release-error'), null);
		try {
			var g = await fk.get('/api/v1/observations?status=open&ends_on=' + today + '&limit=500');
			if (!g.body)
				return fk.showMessage($('release-error'), await fk.apiError(g.res));
			var list = $('release-list');
			fk.clear(list);
			var items = g.body.items || [];
			items.forEach(function (o) { list.appendChild(releaseItem(o)); });
			$('release-count').textContent = items.length ? String(items.length) : '';
			$('release-none').hidden = items.length > 0;
		} catch (e) {
			fk.showMessage($('release-error'), 'err.network');
		}
	}

	async function loadOpen(more) {
		fk.showMessage($('open-error'), null);
		try {
			var g = await fk.get('/api/v1/observations?status=open&limit=100' +
					     (more && openNext ? '&after=' + openNext : ''));
			if (!g.body)
				return fk.showMessage($('open-error'), await fk.apiError(g.res));
			var list = $('open-list');
			if (!more)
				fk.clear(list);
			var items = (g.body.items || []).slice().sort(function (a, b) { return a.days_left - b.days_left; });
			items.forEach(function (o) {
				names[o.id] = o;
				list.appendChild(openItem(o));
			});
			openNext = g.body.next;
			$('open-more').hidden = !openNext;
			$('open-count').textContent = list.children.length ? String(list.children.length) + (openNext ? '+' : '') : '';
			$('open-none').hidden = list.children.length > 0;
		} catch (e) {
			fk.showMessage($('open-error'), 'err.network');
		}
	}

	async function loadMissed() {
		var date = $('missed-date').value || fk.addDays(fk.today(), -1);
		fk.showMessage($('missed-error'), null);
		try {
			var got = await Promise.all(['am', 'pm'].map(function (slot) {
				return fk.get('/api/v1/followups/missed?date=' + date + '&slot=' + slot);
			}));
			var items = [];
			for (var i = 0; i < got.length; i++) {
				if (!got[i].body)
					return fk.showMessage($('missed-error'), await fk.apiError(got[i].res));
				items = items.concat(got[i].body.items || []);
			}
			var list = $('missed-list');
			fk.clear(list);
			items.forEach(function (f) {
				var o = names[f.observation_id];
				list.appendChild(el('li', {className: 'item', 'data-obs-id': f.observation_id, 'data-slot': f.slot}, [
					el('p', {className: 'item-line'}, [
						o ? obsLink(o) : el('a', {className: 'person-link', href: '/observations.html?id=' + f.observation_id,
									   text: fk.t('obs.number', {id: f.observation_id})}),
						el('span', {className: 'tag tag-alert', text: fk.t('obs.slot.' + f.slot)})
					]),
					el('p', {className: 'muted', text: fk.fmtDate(f.date) + (o && o.person_id ? ' · ' + o.person_id : '')})
				]));
			});
			$('missed-count').textContent = items.length ? String(items.length) : '';
			$('missed-count').className = 'count-badge' + (items.length ? ' count-alert' : '');
			$('missed-none').hidden = items.length > 0;
		} catch (e) {
			fk.showMessage($('missed-error'), 'err.network');
		}
	}

	async function resolve(rv, body, box) {
		fk.showMessage(box, null);
		try {
			var r = await fk.send('POST', '/api/v1/reviews/' + rv.id + '/resolve', body);
			if (!r.body) {
				fk.showMessage(box, await fk.apiError(r.res));
				return;
			}
			loadReviews();
		} catch (e) {
			fk.showMessage(box, 'err.network');
		}
	}

	function reviewItem(rv) {
		var box = el('div', {className: 'alert alert-error', role: 'alert', 'data-message': true, hidden: true});
		var li = el('li', {className: 'item review-item', 'data-review-id': rv.id, 'data-obs-id': rv.observation_id,
				   'data-person-id': rv.person_id || ''}, [
			el('p', {className: 'item-line'}, [
				el('a', {className: 'person-link', href: '/observations.html?id=' + rv.observation_id, text: rv.name}),
				el('span', {className: 'muted', text: fk.fmtDate(rv.date)})
			]),
			fk.live(el('p', {className: 'review-reason'}), function () { return fk.text(rv.reason); })
		]);
		if (official) {
			var dismiss = el('button', {type: 'button', className: 'btn btn-outline', i18n: 'obs.reviews.dismiss',
						    'data-action': 'dismiss'});
			var opened = el('button', {type: 'button', className: 'btn btn-primary', i18n: 'obs.reviews.case',
						   'data-action': 'case'});
			var caseInput = el('input', {type: 'number', inputMode: 'numeric', min: '1', name: 'case_id',
						     id: 'review-case-' + rv.id});
			var confirm = el('button', {type: 'submit', className: 'btn btn-primary', i18n: 'obs.reviews.confirm'});
			var form = el('form', {className: 'form sub-form', hidden: true}, [
				el('div', {className: 'field'}, [
					el('label', {'for': 'review-case-' + rv.id, i18n: 'obs.reviews.case_id'}),
					el('div', {className: 'input-row'}, [caseInput, confirm])
				]),
				el('a', {className: 'btn btn-quiet', i18n: 'obs.reviews.register',
					 href: '/cases.html?new=1&subject=' + rv.subject_id + '&review=' + rv.id})
			]);
			dismiss.addEventListener('click', function () { resolve(rv, {outcome: 'dismissed'}, box); });
			opened.addEventListener('click', function () {
				form.hidden = !form.hidden;
				if (!form.hidden)
					caseInput.focus();
			});
			form.addEventListener('submit', function (ev) {
				ev.preventDefault();
				var id = parseInt(caseInput.value, 10);
				if (!(id > 0))
					return fk.showMessage(box, 'obs.reviews.need_case');
				resolve(rv, {outcome: 'case_opened', case_id: id}, box);
			});
			li.appendChild(el('div', {className: 'btn-row'}, [dismiss, opened]));
			li.appendChild(form);
		}
		li.appendChild(box);
		return li;
	}

	async function loadReviews() {
		fk.showMessage($('reviews-error'), null);
		try {
			var g = await fk.get('/api/v1/reviews?open=1');
			if (!g.body)
				return fk.showMessage($('reviews-error'), await fk.apiError(g.res));
			var list = $('review-list');
			fk.clear(list);
			var items = g.body.items || [];
			items.forEach(function (rv) { list.appendChild(reviewItem(rv)); });
			$('reviews-count').textContent = items.length ? String(items.length) : '';
			$('reviews-count').className = 'count-badge' + (items.length ? ' count-alert' : '');
			$('reviews-none').hidden = items.length > 0;
		} catch (e) {
			fk.showMessage($('reviews-error'), 'err.network');
		}
	}

	async function loadLists() {
		loadRelease();
		await loadOpen(false);
		loadMissed();
		loadReviews();
	}

	function showLists() {
		$('list-view').hidden = false;
		var md = $('missed-date');
		md.max = fk.today();
		md.value = fk.addDays(fk.today(), -1);
		md.addEventListener('change', loadMissed);
		$('open-more').addEventListener('click', function () { loadOpen(true); });
		loadLists();
	}

	/* ---- one observation ----------------------------------------------- */

	var obsId = 0;
	var obs = null;
	var lastFill = null;     /* {date, slot, review} of the last follow-up sent */

	function abnormal(f) {
		return (typeof f.temperature_c === 'number' && f.temperature_c >= 37.3) ||
			(f.symptoms && f.symptoms.length > 0);
	}

	function cellState(f, today) {
		if (!f)
			return 'none';
		if (f.filled_at)
			return abnormal(f) ? 'abnormal' : 'filled';
		if (f.missed)
			return 'missed';
		return f.date <= today ? 'todo' : 'future';
	}

	function renderHead() {
		var o = obs;
		$('obs-number').textContent = fk.t('obs.number', {id: o.id}) + (o.person_id ? ' · ' + o.person_id : '');
		$('obs-name').textContent = o.name;
		var st = $('obs-status');
		st.className = 'pill ' + ({open: 'pill-yellow', released: 'pill-green', converted: 'pill-red'}[o.status] || 'pill-none');
		st.setAttribute('data-status', o.status);
		st.textContent = fk.t('obs.status.' + o.status);
		var days = $('obs-days');
		days.hidden = o.status !== 'open';
		days.className = 'days-left' + (o.days_left <= 0 ? ' days-due' : '');
		days.setAttribute('data-days-left', o.days_left);
		days.textContent = daysLeftText(o);
		var dl = $('obs-facts');
		fk.clear(dl);
		function fact(key, value, node) {
			if (!value && !node)
				return;
			dl.appendChild(el('div', {'data-key': key}, [el('dt', {i18n: 'obs.k.' + key}),
				node ? el('dd', {}, [node]) : el('dd', {text: value})]));
		}
		fact('kind', fk.t('obs.kind.' + o.kind));
		fact('reason', o.reason ? fk.t('obs.reason.' + o.reason) : '');
		if (o.case_id)
			fact('case', null, role === 'staff'
				? el('span', {text: fk.t('obs.case', {id: o.case_id})})
				: el('a', {href: '/cases.html?id=' + o.case_id, text: fk.t('obs.case', {id: o.case_id})}));
		fact('last_exposure', o.last_exposure && fk.fmtDate(o.last_exposure));
		fact('start', o.start_date && fk.fmtDate(o.start_date));
		fact('end', o.end_date && fk.fmtDate(o.end_date));
		fact('region', null, o.region_code ? regionInto(el('span'), o.region_code) : null);
		fact('by', o.by);
		$('obs-note').hidden = !o.note;
		$('obs-note').textContent = o.note || '';
	}

	function renderGrid() {
		var today = fk.today();
		var byDay = {};
		var counts = {filled: 0, missed: 0, total: 0};
		(obs.followups || []).forEach(function (f) {
			(byDay[f.date] = byDay[f.date] || {})[f.slot] = f;
			counts.total++;
			if (f.filled_at)
				counts.filled++;
			else if (f.missed)
				counts.missed++;
		});
		var days = Object.keys(byDay).sort();
		var tb = $('fu-grid').tBodies[0];
		fk.clear(tb);
		days.forEach(function (d) {
			var row = el('tr', {'data-date': d}, [
				el('th', {scope: 'row', text: fk.fmtDate(d, {year: undefined, weekday: 'short'})})
			]);
			if (d === today)
				row.setAttribute('aria-current', 'date');
			['am', 'pm'].forEach(function (slot) {
				var f = byDay[d][slot];
				var state = cellState(f, today);
				var text = '';
				if (state === 'filled' || state === 'abnormal') {
					text = f.temperature_c.toFixed(1) + ' ℃';
					if (f.symptoms && f.symptoms.length)
						text += ' · ' + f.symptoms.map(function (s) { return fk.t('sym.' + s); })
							.join(fk.lang() === 'en' ? ', ' : '、');
				} else if (state === 'missed') {
					text = fk.t('obs.grid.missed');
				} else if (state === 'todo') {
					text = fk.t('obs.grid.todo');
				}
				var td = el('td', {className: 'fu-cell fu-' + state, 'data-slot': slot, 'data-state': state,
						   title: fk.t('obs.grid.cell', {date: fk.fmtDate(d), slot: fk.t('obs.slot.' + slot),
										  state: text || '—'})}, [text || '—']);
				row.appendChild(td);
			});
			tb.appendChild(row);
		});
		$('grid-summary').textContent = fk.t('obs.grid.summary', counts);
	}

	/* The dates with a slot still open, up to today, latest first. */
	function openSlots() {
		var today = fk.today();
		var out = {};
		(obs.followups || []).forEach(function (f) {
			if (!f.filled_at && f.date <= today)
				(out[f.date] = out[f.date] || []).push(f.slot);
		});
		return out;
	}

	function renderFill() {
		var open = obs.status === 'open';
		var slots = openSlots();
		var dates = Object.keys(slots).sort().reverse();
		$('fill-card').hidden = !open;
		$('fill-form').hidden = dates.length === 0;
		$('fill-none').hidden = dates.length > 0;
		var sel = $('fill-date');
		var keep = sel.value;
		fk.clear(sel);
		dates.forEach(function (d) {
			sel.appendChild(el('option', {value: d, text: fk.fmtDate(d, {weekday: 'short'})}));
		});
		if (keep && slots[keep])
			sel.value = keep;
		fillSlots();
		var box = $('fill-done');
		if (lastFill) {
			box.className = 'alert ' + (lastFill.review ? 'alert-warn' : 'alert-ok');
			box.textContent = lastFill.review ? fk.t('obs.fill.review')
				: fk.t('obs.fill.ok', {date: fk.fmtDate(lastFill.date), slot: fk.t('obs.slot.' + lastFill.slot)});
			box.hidden = false;
		} else {
			box.hidden = true;
		}
	}

	/* Only the open slots of the chosen date can be picked. */
	function fillSlots() {
		var slots = openSlots()[$('fill-date').value] || [];
		var hour = Number(new Intl.DateTimeFormat('en-GB', {timeZone: 'Asia/Shanghai', hour: '2-digit', hour12: false})
			.format(new Date()));
		var preferred = hour < 12 ? 'am' : 'pm';
		var checked = null;
		['am', 'pm'].forEach(function (s) {
			var input = $('fill-' + s);
			input.disabled = slots.indexOf(s) < 0;
			input.closest('label').hidden = input.disabled;
			if (input.checked && !input.disabled)
				checked = s;
		});
		if (!checked) {
			var pick = slots.indexOf(preferred) >= 0 ? preferred : slots[0];
			if (pick)
				$('fill-' + pick).checked = true;
		}
	}

	function renderManage() {
		var open = obs.status === 'open' && official;
		$('extend-card').hidden = !open;
		$('release-one-card').hidden = !open;
		if (!open)
			return;
		if (!$('extend-date').value)
			$('extend-date').value = obs.end_date;
		$('release-one-intro').textContent = fk.today() >= obs.end_date ? fk.t('obs.release_one.due')
			: fk.t('obs.release_one.early', {date: fk.fmtDate(obs.end_date)});
	}

	function render() {
		if (!obs)
			return;
		renderHead();
		renderGrid();
		renderFill();
		renderManage();
	}

	async function loadObs() {
		var g;
		try {
			g = await fk.get('/api/v1/observations/' + obsId);
		} catch (e) {
			fk.showMessage(pageError, 'err.network');
			return false;
		}
		if (!g.body) {
			fk.showMessage(pageError, await fk.apiError(g.res));
			$('obs-view').hidden = true;
			return false;
		}
		obs = g.body;
		render();
		return true;
	}

	async function submitFill(ev) {
		ev.preventDefault();
		var form = $('fill-form');
		var box = $('fill-error');
		var t = parseFloat($('fill-temp').value);
		var slot = form.querySelector('input[name="slot"]:checked');
		$('fill-temp').removeAttribute('aria-invalid');
		if (!(t >= 34 && t <= 43)) {
			$('fill-temp').setAttribute('aria-invalid', 'true');
			return fk.showMessage(box, 'obs.fill.need_temp');
		}
		if (!slot || slot.disabled)
			return fk.showMessage(box, 'obs.fill.need_slot');
		var body = {date: $('fill-date').value, slot: slot.value, temperature_c: Math.round(t * 10) / 10,
			    symptoms: Array.prototype.map.call(form.querySelectorAll('input[name="symptom"]:checked'),
							       function (i) { return i.value; })};
		fk.showMessage(box, null);
		var btn = $('fill-submit');
		btn.disabled = true;
		try {
			var r = await fk.send('POST', '/api/v1/observations/' + obsId + '/followups', body);
			if (!r.body) {
				fk.showMessage(box, await fk.apiError(r.res));
				return;
			}
			lastFill = {date: body.date, slot: body.slot, review: body.temperature_c >= 37.3 || body.symptoms.length > 0};
			form.reset();
			await loadObs();
		} catch (e) {
			fk.showMessage(box, 'err.network');
		} finally {
			btn.disabled = false;
		}
	}

	async function postManage(url, body, box, btn) {
		fk.showMessage(box, null);
		btn.disabled = true;
		try {
			var r = await fk.send('POST', url, body);
			if (!r.body) {
				fk.showMessage(box, await fk.apiError(r.res));
				return false;
			}
			await loadObs();
			return true;
		} catch (e) {
			fk.showMessage(box, 'err.network');
			return false;
		} finally {
			btn.disabled = false;
		}
	}

	async function showObs(id) {
		obsId = id;
		$('obs-back').hidden = role === 'staff';
		$('extend-date').min = fk.today();
		$('fill-date').addEventListener('change', fillSlots);
		$('fill-form').addEventListener('submit', submitFill);
		$('extend-form').addEventListener('submit', async function (ev) {
			ev.preventDefault();
			var body = {end_date: $('extend-date').value};
			if ($('extend-reason').value.trim())
				body.reason = $('extend-reason').value.trim();
			if (await postManage('/api/v1/observations/' + obsId + '/extend', body, $('extend-error'),
					     $('extend-submit')))
				$('extend-reason').value = '';
		});
		$('release-form').addEventListener('submit', function (ev) {
			ev.preventDefault();
			var body = {};
			if ($('release-reason').value.trim())
				body.reason = $('release-reason').value.trim();
			postManage('/api/v1/observations/' + obsId + '/release', body, $('release-one-error'),
				   $('release-submit'));
		});
		if (await loadObs())
			$('obs-view').hidden = false;
	}

	/* ---- start -------------------------------------------------------- */

	async function load() {
		var session = await fk.start({page: 'observations', roles: ['official', 'office', 'staff'],
					      errorBox: pageError});
		$('loading').hidden = true;
		if (!session)
			return;
		role = session.user.role;
		official = role === 'official';
		var id = new URLSearchParams(window.location.search).get('id');
		if (id && /^\d+$/.test(id))
			return showObs(Number(id));
		if (role === 'staff') {
			/* staff: their own observation, if any */
			try {
				var g = await fk.get('/api/v1/observations?status=open');
				var mine = g.body && (g.body.items || [])[0];
				if (mine) {
					window.history.replaceState(null, '', '?id=' + mine.id);
					return showObs(mine.id);
				}
			} catch (e) {
				return fk.showMessage(pageError, 'err.network');
			}
			return fk.showMessage(pageError, 'obs.staff.none');
		}
		showLists();
	}

	fk.onChange(function () {
		render();
		if (!$('list-view').hidden)
			loadLists();
	});
	load();
})();
