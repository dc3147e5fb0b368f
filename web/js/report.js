/*
 * report.js -- web: the daily health report (report.html).
 *
 * Staff report for themselves, today or yesterday; the office may report
 * for anyone on any past day (person id and date fields).  The form starts
 * from the last report's region and location (GET
 * /api/v1/people/{id}/history?days=30, or the person's own region when
 * there is none); if today is already reported, the page opens on its
 * result, with a button to change it.
 *
 * POST /api/v1/reports carries a request_id made for the submission
 * attempt: a double tap, or a retry after the network failed, sends the
 * same id and the server answers with the stored result ("replayed")
 * instead of storing a second version.  Changing the form makes a new id.
 *
 * The result: a big green/yellow/red card with the reason, the actions as
 * a checklist (ticks kept in localStorage per report), what brings the
 * person back to green, and the health code.
 */
(function () {
	'use strict';

	fk.extend({
		'zh-CN': {
			'report.doctitle': '每日上报 · 防控',
			'report.title': '每日健康上报',
			'report.intro': '请如实填写。提交后系统会告诉您今天的健康状态和需要做什么。',
			'report.date': '上报日期',
			'report.date.yesterday': '昨天（补报）',
			'report.person': '人员编号（代为上报）',
			'report.temperature': '体温（℃）',
			'report.temperature.help': '腋下体温。不低于 37.3 ℃ 请 5 分钟后复测，并再次提交。',
			'report.symptoms': '今天有没有以下症状？（可多选，没有就不选）',
			'report.symptoms.note': '症状说明',
			'report.symptoms.note.placeholder': '例如：何时开始、是否加重',
			'report.where': '目前所在地区',
			'report.region.code': '行政区划代码（6 位）',
			'report.region.unknown': '没有这个地区代码，请核对。',
			'report.region.looking': '正在查询…',
			'report.location': '现在在哪里',
			'report.exposure': '近 14 天的接触史',
			'report.family': '共同生活的家人有发热、咳嗽等不适',
			'report.travel': '近 14 天到过的其他地区',
			'report.travel.code': '行政区划代码（6 位），逐个添加',
			'report.travel.add': '添加',
			'report.travel.remove': '移除 {name}',
			'report.travel.full': '最多添加 20 个地区。',
			'report.travel.dup': '这个地区已经添加过了。',
			'report.note': '备注（选填）',
			'report.submit': '提交',
			'report.submitting': '正在提交…',
			'report.cancel': '取消修改',
			'report.replayed': '这份上报此前已经提交过，结果如下。',
			'report.status.today': '今日状态',
			'report.status.on': '{date} 的状态',
			'report.status.person': '{name}（{id}）的状态',
			'report.actions': '需要您做的',
			'report.actions.none': '今天没有需要特别处理的事项，请继续做好个人防护。',
			'report.back': '怎样恢复绿色',
			'report.code': '健康码',
			'report.code.colour': '健康码：{colour}',
			'report.code.green_from': '最早 {date} 恢复绿码',
			'report.to_history': '查看健康码和近 30 天记录',
			'report.edit': '修改今天的上报',
			'report.edit.office': '继续上报',
			'report.check_temp': '体温与所选症状不太一致，请核对；如有误，请修改后重新提交。',
			'report.err.temperature': '请填写 34.0 到 43.0 之间的体温。',
			'report.err.region': '请填写 6 位行政区划代码。',
			'report.err.location': '请选择现在在哪里。',
			'report.err.person': '请填写人员编号。',
			'report.person.unknown': '没有找到这个人员编号。'
		},
		en: {
			'report.doctitle': 'Daily report · Fangkong',
			'report.title': 'Daily health report',
			'report.intro': 'Please answer truthfully. When you submit, you will see your status for the day and what to do.',
			'report.date': 'Date',
			'report.date.yesterday': 'Yesterday (late report)',
			'report.person': 'Person ID (reporting for someone)',
			'report.temperature': 'Temperature (°C)',
			'report.temperature.help': 'Under the arm. At 37.3 °C or above, measure again after 5 minutes and submit again.',
			'report.symptoms': 'Do you have any of these today? (Tick all that apply, or none.)',
			'report.symptoms.note': 'About the symptoms',
			'report.symptoms.note.placeholder': 'For example: when it started, whether it is getting worse',
			'report.where': 'Where you are now',
			'report.region.code': 'Region code (6 digits)',
			'report.region.unknown': 'There is no region with this code. Please check it.',
			'report.region.looking': 'Looking it up…',
			'report.location': 'What kind of place',
			'report.exposure': 'Contacts in the last 14 days',
			'report.family': 'Someone I live with has a fever, cough or feels unwell',
			'report.travel': 'Other regions visited in the last 14 days',
			'report.travel.code': 'Region code (6 digits), one at a time',
			'report.travel.add': 'Add',
			'report.travel.remove': 'Remove {name}',
			'report.travel.full': 'At most 20 regions.',
			'report.travel.dup': 'This region is already on the list.',
			'report.note': 'Note (optional)',
			'report.submit': 'Submit',
			'report.submitting': 'Submitting…',
			'report.cancel': 'Cancel changes',
			'report.replayed': 'This report had already been submitted; here is its result.',
			'report.status.today': 'Your status today',
			'report.status.on': 'Your status on {date}',
			'report.status.person': 'Status of {name} ({id})',
			'report.actions': 'What to do',
			'report.actions.none': 'Nothing special to do today. Keep protecting yourself.',
			'report.back': 'How to get back to green',
			'report.code': 'Health code',
			'report.code.colour': 'Health code: {colour}',
			'report.code.green_from': 'Green again on {date} at the earliest',
			'report.to_history': 'Health code and the last 30 days',
			'report.edit': 'Change today’s report',
			'report.edit.office': 'Report another',
			'report.check_temp': 'Your temperature does not quite fit the symptoms you ticked. Please check, and submit again if something is wrong.',
			'report.err.temperature': 'Please enter a temperature between 34.0 and 43.0.',
			'report.err.region': 'Please enter a 6-digit region code.',
			'report.err.location': 'Please choose what kind of place you are in.',
			'report.err.person': 'Please enter a person ID.',
			'report.person.unknown': 'No person with this ID.'
		}
	});

	var $ = function (id) { return document.getElementById(id); };
	var form = $('report-form');
	var pageError = $('page-error');
	var formError = $('form-error');
	var submitBtn = $('submit');

	var SYMPTOMS = ['fever', 'cough', 'fatigue', 'sore_throat', 'shortness_of_breath', 'diarrhea',
			'loss_of_smell_taste', 'other'];
	/* which input a server error's field names */
	var FIELD_INPUT = {
		temperature_c: 'temperature', symptoms: 'symptoms', symptoms_note: 'symptoms-note',
		region_code: 'region-code', location: 'location', exposure: 'exposure',
		travel_regions: 'travel-code', note: 'note', person_id: 'person-id', date: 'report-date'
	};

	var role = '';
	var personId = '';
	var travel = [];          /* codes of travel_regions */
	var pendingId = null;     /* request_id of the attempt not yet answered */
	var busy = false;
	var shown = null;         /* {report, code, replayed}: the result on screen */
	var lastSent = null;      /* the body of the last report sent (to prefill a change) */

	/* ---- small helpers ------------------------------------------------- */

	function newRequestId() {
		var c = window.crypto;
		if (c && typeof c.randomUUID === 'function')
			return c.randomUUID().replace(/-/g, '');
		var b = new Uint8Array(16);
		c.getRandomValues(b);
		return Array.prototype.map.call(b, function (x) {
			return (x + 256).toString(16).slice(1);
		}).join('');
	}

	function radioValue(name) {
		var r = form.querySelector('input[name="' + name + '"]:checked');
		return r ? r.value : '';
	}

	function setRadio(name, value) {
		form.querySelectorAll('input[name="' + name + '"]').forEach(function (r) {
			r.checked = r.value === value;
		});
	}

	function checkedSymptoms() {
		return Array.prototype.filter.call(form.querySelectorAll('input[name="symptom"]'), function (c) {
			return c.checked;
		}).map(function (c) { return c.value; });
	}

	function markInvalid(id) {
		var node = $(id);
		if (!node)
			return;
		node.setAttribute('aria-invalid', 'true');
		var focus = node.matches('input, textarea, select') ? node : node.querySelector('input');
		if (focus)
			focus.focus();
	}

	function clearInvalid() {
		form.querySelectorAll('[aria-invalid]').forEach(function (n) { n.removeAttribute('aria-invalid'); });
	}

	function syncNote() {
		$('symptoms-note-field').hidden = checkedSymptoms().length === 0;
	}

	/* ---- region look-ups -------------------------------------------- */

	/* Show the name of the code typed in input in out; resolves true if known. */
	async function lookUp(input, out) {
		var code = input.value.trim();
		out.removeAttribute('data-state');
		if (!/^\d{6}$/.test(code)) {
			out.textContent = '';
			out._code = '';
			return false;
		}
		if (out._code === code && out.getAttribute('data-known'))
			return true;
		out._code = code;
		out.textContent = fk.t('report.region.looking');
		var name = null;
		try {
			name = await fk.regionName(code);
		} catch (e) {
			name = null;
		}
		if (out._code !== code)
			return false;     /* typed on meanwhile */
		if (name) {
			out.textContent = name;
			out.setAttribute('data-known', '1');
			return true;
		}
		out.removeAttribute('data-known');
		out.textContent = fk.t('report.region.unknown');
		out.setAttribute('data-state', 'bad');
		return false;
	}

	function renderTravel() {
		var list = $('travel-list');
		fk.clear(list);
		travel.forEach(function (code) {
			var label = fk.el('span', {className: 'chip-text', text: code});
			var remove = fk.el('button', {type: 'button', className: 'chip-remove', text: '×',
						      'aria-label': fk.t('report.travel.remove', {name: code})});
			remove.addEventListener('click', function () {
				travel = travel.filter(function (c) { return c !== code; });
				pendingId = null;
				renderTravel();
			});
			list.appendChild(fk.el('li', {className: 'chip', 'data-code': code}, [label, remove]));
			fk.regionName(code).then(function (name) {
				if (name) {
					label.textContent = name + ' ' + code;
					remove.setAttribute('aria-label', fk.t('report.travel.remove', {name: name}));
				}
			});
		});
	}

	async function addTravel() {
		var input = $('travel-code');
		var out = $('travel-name');
		var code = input.value.trim();
		input.removeAttribute('aria-invalid');
		if (!/^\d{6}$/.test(code)) {
			out.textContent = fk.t('report.err.region');
			out.setAttribute('data-state', 'bad');
			input.setAttribute('aria-invalid', 'true');
			return;
		}
		if (travel.indexOf(code) >= 0) {
			out.textContent = fk.t('report.travel.dup');
			return;
		}
		if (travel.length >= 20) {
			out.textContent = fk.t('report.travel.full');
			return;
		}
		if (!(await lookUp(input, out))) {
			input.setAttribute('aria-invalid', 'true');
			return;
		}
		travel.push(code);
		pendingId = null;
		input.value = '';
		out.textContent = '';
		out._code = '';
		renderTravel();
	}

	/* ---- the form ------------------------------------------------------ */

	/*
	 * Fill the form from report r (the fields as sent or as stored).  With
	 * whole false only where the person is (region, location) is taken:
	 * the start of a new day's report.
	 */
	function fillForm(r, whole) {
		form.reset();
		travel = [];
		if (r) {
			$('region-code').value = r.region_code || '';
			setRadio('location', r.location || '');
			if (whole) {
				if (typeof r.temperature_c === 'number')
					$('temperature').value = r.temperature_c.toFixed(1);
				(r.symptoms || []).forEach(function (s) {
					var box = form.querySelector('input[name="symptom"][value="' + s + '"]');
					if (box)
						box.checked = true;
				});
				$('symptoms-note').value = r.symptoms_note || '';
				setRadio('exposure', r.exposure || 'none');
				$('family-unwell').checked = !!r.family_unwell;
				travel = (r.travel_regions || []).slice(0, 20);
				$('note').value = r.note || '';
				if (r.date && r.date === fk.addDays(fk.today(), -1))
					setRadio('day', 'yesterday');
			}
		}
		if (role === 'office')
			$('report-date').value = (whole && r && r.date) || fk.today();
		syncNote();
		renderTravel();
		lookUp($('region-code'), $('region-name'));
		pendingId = null;
	}

	function showDates() {
		var today = fk.today();
		$('date-today').textContent = fk.fmtDate(today, {year: undefined});
		$('date-yesterday').textContent = fk.fmtDate(fk.addDays(today, -1), {year: undefined});
		$('report-date').max = today;
	}

	function setBusy(on) {
		busy = on;
		submitBtn.disabled = on;
		submitBtn.setAttribute('data-i18n', on ? 'report.submitting' : 'report.submit');
		submitBtn.textContent = fk.t(on ? 'report.submitting' : 'report.submit');
	}

	/* The request body, or null after showing what is missing. */
	function collect() {
		clearInvalid();
		fk.showMessage(formError, null);
		var body = {};
		if (role === 'office') {
			var pid = $('person-id').value.trim();
			if (!pid) {
				fk.showMessage(formError, 'report.err.person');
				markInvalid('person-id');
				return null;
			}
			body.person_id = pid;
			if ($('report-date').value)
				body.date = $('report-date').value;
		} else if (radioValue('day') === 'yesterday') {
			body.date = fk.addDays(fk.today(), -1);
		}
		var temp = parseFloat(String($('temperature').value).replace(',', '.'));
		if (isNaN(temp) || temp < 34 || temp > 43) {
			fk.showMessage(formError, 'report.err.temperature');
			markInvalid('temperature');
			return null;
		}
		body.temperature_c = Math.round(temp * 10) / 10;
		body.symptoms = checkedSymptoms();
		var symptomsNote = $('symptoms-note').value.trim();
		if (body.symptoms.length && symptomsNote)
			body.symptoms_note = symptomsNote;
		var region = $('region-code').value.trim();
		if (!/^\d{6}$/.test(region)) {
			fk.showMessage(formError, 'report.err.region');
			markInvalid('region-code');
			return null;
		}
		body.region_code = region;
		body.location = radioValue('location');
		if (!body.location) {
			fk.showMessage(formError, 'report.err.location');
			markInvalid('location');
			return null;
		}
		body.exposure = radioValue('exposure') || 'none';
		body.family_unwell = $('family-unwell').checked;
		body.travel_regions = travel.slice();
		var note = $('note').value.trim();
		if (note)
			body.note = note;
		return body;
	}

	form.addEventListener('submit', async function (ev) {
		ev.preventDefault();
		if (busy)
			return;
		var body = collect();
		if (!body)
			return;
		/* the same attempt keeps its id until the server has answered it */
		if (!pendingId)
			pendingId = newRequestId();
		body.request_id = pendingId;
		setBusy(true);
		var got;
		try {
			got = await fk.send('POST', '/api/v1/reports', body);
		} catch (e) {
			setBusy(false);
			fk.showMessage(formError, 'err.network');
			return;
		}
		setBusy(false);
		var res = got.res;
		if (res.status >= 500)
			return fk.showMessage(formError, await fk.apiError(res));
		pendingId = null;
		if (!res.ok) {
			var err = await fk.readError(res);
			fk.showMessage(formError, fk.errorText(err));
			if (err.field && FIELD_INPUT[err.field])
				markInvalid(FIELD_INPUT[err.field]);
			return;
		}
		lastSent = body;
		var report = got.body || {};
		showResult(report, report.health_code, !!report.replayed);
	});

	form.addEventListener('input', function (ev) {
		if (busy)
			return;
		pendingId = null;
		if (ev.target && ev.target.removeAttribute)
			ev.target.removeAttribute('aria-invalid');
		if (ev.target && ev.target.name === 'symptom')
			syncNote();
	});
	form.addEventListener('change', function (ev) {
		if (!busy)
			pendingId = null;
		if (ev.target && ev.target.name === 'symptom')
			syncNote();
	});

	$('region-code').addEventListener('input', function () {
		lookUp($('region-code'), $('region-name'));
	});
	$('travel-code').addEventListener('input', function () {
		lookUp($('travel-code'), $('travel-name'));
	});
	$('travel-code').addEventListener('keydown', function (ev) {
		if (ev.key === 'Enter') {
			ev.preventDefault();
			addTravel();
		}
	});
	$('travel-add').addEventListener('click', addTravel);

	$('person-id').addEventListener('change', async function () {
		var pid = $('person-id').value.trim();
		var out = $('person-name');
		out.textContent = '';
		out.removeAttribute('data-state');
		if (!pid)
			return;
		var got;
		try {
			got = await fk.get('/api/v1/people/' + encodeURIComponent(pid));
		} catch (e) {
			return;
		}
		if (!got.body) {
			out.textContent = fk.t('report.person.unknown');
			out.setAttribute('data-state', 'bad');
			return;
		}
		out.textContent = [got.body.name, got.body.department].filter(Boolean).join(' · ');
		if (!$('region-code').value) {
			$('region-code').value = got.body.region_code || '';
			lookUp($('region-code'), $('region-name'));
		}
	});

	/* ---- the result ------------------------------------------------- */

	function doneKey(report) {
		return 'fangkong.done.' + (report.id || report.date || '');
	}

	function loadDone(report) {
		try {
			return JSON.parse(window.localStorage.getItem(doneKey(report)) || '[]');
		} catch (e) {
			return [];
		}
	}

	function saveDone(report, codes) {
		try {
			window.localStorage.setItem(doneKey(report), JSON.stringify(codes));
		} catch (e) {
			/* not remembered */
		}
	}

	function renderResult() {
		if (!shown)
			return;
		var r = shown.report;
		var code = shown.code || {};
		var status = r.status || 'green';
		var card = $('status-card');
		card.className = 'status-card status-' + status;
		$('status-date').textContent = fk.fmtDate(r.date, {weekday: 'long'});
		var other = role === 'office' && r.person_id;
		$('status-label').textContent = other
			? fk.t('report.status.person', {name: r.person_name || r.person_id, id: r.person_id})
			: r.date && r.date !== fk.today()
				? fk.t('report.status.on', {date: fk.fmtDate(r.date, {year: undefined})})
				: fk.t('report.status.today');
		var word = $('status-word');
		fk.clear(word);
		word.appendChild(fk.el('span', {className: 'status-colour', text: fk.t('status.' + status)}));
		word.appendChild(fk.el('span', {className: 'status-meaning', text: fk.t('status.' + status + '.long')}));
		$('status-reason').textContent = fk.text(r.reason) || fk.t('rule.' + (r.rule || 'all_normal'));
		$('status-replayed').hidden = !shown.replayed;

		var list = $('actions');
		fk.clear(list);
		var done = loadDone(r);
		(r.actions || []).forEach(function (a, i) {
			var box = fk.el('input', {type: 'checkbox', id: 'action-' + i, checked: done.indexOf(a.code) >= 0});
			box.addEventListener('change', function () {
				var now = loadDone(r).filter(function (c) { return c !== a.code; });
				if (box.checked)
					now.push(a.code);
				saveDone(r, now);
			});
			var parts = [fk.el('span', {className: 'action-text', text: fk.text(a.text) || a.code})];
			if (a.until)
				parts.push(fk.el('span', {className: 'action-until',
							  text: fk.t('date.until', {date: fk.fmtDate(a.until)})}));
			list.appendChild(fk.el('li', {'data-code': a.code}, [
				box, fk.el('label', {'for': 'action-' + i}, parts)
			]));
		});
		$('no-actions').hidden = (r.actions || []).length > 0;

		var back = fk.text(r.back_to_green);
		$('back-card').hidden = !back;
		$('back-to-green').textContent = back;

		var colour = code.colour || status;
		$('code-dot').className = 'code-dot code-' + colour;
		$('code-colour').textContent = fk.t('report.code.colour', {colour: fk.t('status.' + colour)});
		$('code-reason').textContent = fk.text(code.reason) ||
			(code.rule ? fk.t('code.rule.' + code.rule, {n: code.streak_needed}) : '');
		$('code-green-from').textContent = code.green_from && colour !== 'green'
			? fk.t('report.code.green_from', {date: fk.fmtDate(code.green_from),
							  n: code.normal_streak || 0, need: code.streak_needed || 0})
			: '';
		$('to-history').href = other ? '/history.html?person=' + encodeURIComponent(r.person_id) : '/history.html';

		var flagged = (r.flags || []).indexOf('implausible') >= 0;
		var check = $('check-temp');
		check.hidden = !flagged;

		var edit = $('edit');
		var editable = role === 'office' || r.date === fk.today() || r.date === fk.addDays(fk.today(), -1);
		edit.hidden = !editable;
		edit.setAttribute('data-i18n', role === 'office' ? 'report.edit.office' : 'report.edit');
		edit.textContent = fk.t(edit.getAttribute('data-i18n'));
	}

	function showResult(report, code, replayed) {
		shown = {report: report, code: code, replayed: replayed};
		renderResult();
		$('form-card').hidden = true;
		$('result').hidden = false;
		window.scrollTo(0, 0);
		$('status-card').focus({preventScroll: true});
	}

	function showForm() {
		$('result').hidden = true;
		$('form-card').hidden = false;
		$('cancel-edit').hidden = !shown;
	}

	$('edit').addEventListener('click', function () {
		if (role === 'office') {
			fillForm(null, false);
			$('person-id').value = '';
			$('person-name').textContent = '';
			$('region-code').value = '';
			$('region-name').textContent = '';
		} else {
			fillForm(lastSent || (shown && shown.report), true);
		}
		showForm();
		window.scrollTo(0, 0);
	});

	$('cancel-edit').addEventListener('click', function () {
		if (shown) {
			$('form-card').hidden = true;
			$('result').hidden = false;
			window.scrollTo(0, 0);
		}
	});

	/* ---- start -------------------------------------------------------- */

	async function load() {
		var session = await fk.start({page: 'report', roles: ['staff', 'office'], errorBox: pageError});
		$('loading').hidden = true;
		if (!session)
			return;
		var user = session.user || {};
		role = user.role;
		personId = user.person_id || '';
		showDates();
		if (role === 'office') {
			$('office-fields').hidden = false;
			$('date-group').hidden = true;
			fillForm(null, false);
			showForm();
			return;
		}
		var last = null, code = null, own = null;
		try {
			var h = await fk.get('/api/v1/people/' + encodeURIComponent(personId) + '/history?days=30');
			if (h.body) {
				var items = h.body.items || [];
				last = items.length ? items[items.length - 1] : null;
				code = h.body.health_code || null;
			}
			if (!last) {
				var p = await fk.get('/api/v1/people/' + encodeURIComponent(personId));
				own = p.body;
			}
		} catch (e) {
			/* start from an empty form */
		}
		if (last && last.date === fk.today()) {
			fillForm(last, true);
			lastSent = last;
			showResult(last, code || last.health_code, false);
			return;
		}
		fillForm(last || (own ? {region_code: own.region_code} : null), false);
		showForm();
	}

	fk.onChange(function () {
		showDates();
		renderResult();
		var out = $('region-name');
		if (out.getAttribute('data-state') === 'bad')
			out.textContent = fk.t('report.region.unknown');
	});
	load();
})();
