/*
 * rtw.js -- web: the zoned, graded return to work (rtw.html) for the office
 * (the whole organisation) and department heads (their subtree), one day
 * at a time (?date=, default today in CST).
 *
 *   per department: people, eligible, share, cap, allowed, ready; and the
 *   people who may not come in, with why   GET /api/v1/return-to-work?date=
 *   the departments' tree (order, indent)  GET /api/v1/departments
 *   resumption plans                       GET /api/v1/plans
 *   submit one (head: own subtree; office) POST /api/v1/plans {department_id,
 *                                          start_date, cap_percent, note?}
 *   office: approve or reject              POST /api/v1/plans/{id}/decision
 *                                          {approve, note?} (409: decided already)
 *
 * A department may have people on site once a plan is approved and in
 * force; then at most cap% of its people, and only those eligible.
 */
(function () {
	'use strict';

	fk.extend({
		'zh-CN': {
			'rtw.doctitle': '复工复产 · 防控',
			'rtw.title': '复工复产',
			'rtw.date': '日期',
			'rtw.summary': '概况',
			'rtw.people': '人数',
			'rtw.eligible': '可到岗',
			'rtw.allowed': '方案允许到岗',
			'rtw.off': '不能到岗',
			'rtw.share': '占 {pct}',
			'rtw.departments': '各部门',
			'rtw.departments.intro': '可到岗：今天已上报、健康状态绿色、不在中高风险地区、不在医学观察中。允许到岗 = 可到岗人数与已批准方案上限中的较小者。',
			'rtw.col.department': '部门',
			'rtw.col.people': '人数',
			'rtw.col.eligible': '可到岗',
			'rtw.col.share': '比例',
			'rtw.col.cap': '上限',
			'rtw.col.allowed': '允许',
			'rtw.col.ready': '就绪',
			'rtw.no_plan': '无方案',
			'rtw.ready': '可复工',
			'rtw.not_ready': '未就绪',
			'rtw.plan_from': '自 {date}',
			'rtw.off.title': '今天不能到岗的人员',
			'rtw.off.none': '所有人都可以到岗。',
			'rtw.off.more': '再显示 {n} 人（共 {total} 人）',
			'rtw.filter.department': '部门',
			'rtw.filter.reason': '原因',
			'rtw.filter.all': '全部',
			'rtw.where.label': '所在地',
			'rtw.reason.no_report_today': '今天未上报',
			'rtw.reason.status_red': '健康状态红色',
			'rtw.reason.status_yellow': '健康状态黄色',
			'rtw.reason.stay_in_place': '身在湖北，暂不返岗',
			'rtw.reason.await_school_notice': '学生等待返校通知',
			'rtw.reason.under_observation': '正在医学观察',
			'rtw.reason.in_medium_risk_area': '身处中风险地区',
			'rtw.reason.in_high_risk_area': '身处高风险地区',
			'rtw.reason.came_from_risk_area': '来自中高风险地区',
			'rtw.kind.staff': '职工',
			'rtw.kind.student': '学生',
			'rtw.kind.postdoc': '博士后',
			'rtw.kind.visitor': '访问人员',
			'rtw.plans': '复工方案',
			'rtw.plans.intro': '部门提交复工方案，防控办公室审批。方案批准后，从开始日期起，到岗人数不超过部门人数的上限比例。',
			'rtw.plans.none': '还没有复工方案。',
			'rtw.plan.new': '提交复工方案',
			'rtw.plan.department': '部门',
			'rtw.plan.start': '开始日期',
			'rtw.plan.cap': '到岗人数上限',
			'rtw.plan.custom': '上限（占部门人数的百分比，1–100）',
			'rtw.plan.note': '说明（选填）',
			'rtw.plan.submit': '提交',
			'rtw.plan.need_department': '请选择部门。',
			'rtw.plan.need_start': '请选择开始日期。',
			'rtw.plan.bad_cap': '上限应为 1 到 100 之间的整数。',
			'rtw.plan.done': '已提交{department}的复工方案，等待防控办公室审批。',
			'rtw.cap.half': '1/2',
			'rtw.cap.third': '1/3',
			'rtw.cap.custom': '自定',
			'rtw.cap.text': '上限 {cap}',
			'rtw.plan.line': '{start}起 · {cap}',
			'rtw.plan.by': '{by} 提交于 {time}',
			'rtw.plan.decided': '{by} 于 {time} {what}',
			'rtw.status.submitted': '待审批',
			'rtw.status.approved': '已批准',
			'rtw.status.rejected': '未批准',
			'rtw.decide.note': '审批意见（选填）',
			'rtw.decide.approve': '批准',
			'rtw.decide.reject': '不批准',
			'rtw.decide.conflict': '这个方案已经审批过了，已刷新。'
		},
		en: {
			'rtw.doctitle': 'Return to work · Fangkong',
			'rtw.title': 'Return to work',
			'rtw.date': 'Date',
			'rtw.summary': 'Summary',
			'rtw.people': 'People',
			'rtw.eligible': 'May come in',
			'rtw.allowed': 'Allowed by plans',
			'rtw.off': 'May not come in',
			'rtw.share': '{pct} of all',
			'rtw.departments': 'Departments',
			'rtw.departments.intro': 'May come in: reported today, green, not in a medium- or high-risk area, not under medical observation. Allowed = the smaller of those and the approved plan’s cap.',
			'rtw.col.department': 'Dept.',
			'rtw.col.people': 'All',
			'rtw.col.eligible': 'May',
			'rtw.col.share': '%',
			'rtw.col.cap': 'Cap',
			'rtw.col.allowed': 'Allowed',
			'rtw.col.ready': 'Ready',
			'rtw.no_plan': 'no plan',
			'rtw.ready': 'ready',
			'rtw.not_ready': 'not ready',
			'rtw.plan_from': 'from {date}',
			'rtw.off.title': 'Who may not come in today',
			'rtw.off.none': 'Everyone may come in.',
			'rtw.off.more': 'Show {n} more ({total} in all)',
			'rtw.filter.department': 'Department',
			'rtw.filter.reason': 'Reason',
			'rtw.filter.all': 'All',
			'rtw.where.label': 'Where',
			'rtw.reason.no_report_today': 'No report today',
			'rtw.reason.status_red': 'Red status',
			'rtw.reason.status_yellow': 'Yellow status',
			'rtw.reason.stay_in_place': 'In Hubei: stays put',
			'rtw.reason.await_school_notice': 'Student awaiting the school’s notice',
			'rtw.reason.under_observation': 'Under medical observation',
			'rtw.reason.in_medium_risk_area': 'In a medium-risk area',
			'rtw.reason.in_high_risk_area': 'In a high-risk area',
			'rtw.reason.came_from_risk_area': 'Came from a risk area',
			'rtw.kind.staff': 'Staff',
			'rtw.kind.student': 'Student',
			'rtw.kind.postdoc': 'Postdoc',
			'rtw.kind.visitor': 'Visitor',
			'rtw.plans': 'Resumption plans',
			'rtw.plans.intro': 'Departments submit a plan and the epidemic office approves it. From its start date, no more than the cap’s share of the department’s people come in.',
			'rtw.plans.none': 'No plans yet.',
			'rtw.plan.new': 'Submit a plan',
			'rtw.plan.department': 'Department',
			'rtw.plan.start': 'Start date',
			'rtw.plan.cap': 'Cap on people on site',
			'rtw.plan.custom': 'Cap (percent of the department’s people, 1–100)',
			'rtw.plan.note': 'Note (optional)',
			'rtw.plan.submit': 'Submit',
			'rtw.plan.need_department': 'Choose a department.',
			'rtw.plan.need_start': 'Choose a start date.',
			'rtw.plan.bad_cap': 'The cap is a whole number from 1 to 100.',
			'rtw.plan.done': 'The plan for {department} is submitted and awaits the epidemic office.',
			'rtw.cap.half': '1/2',
			'rtw.cap.third': '1/3',
			'rtw.cap.custom': 'Other',
			'rtw.cap.text': 'cap {cap}',
			'rtw.plan.line': 'from {start} · {cap}',
			'rtw.plan.by': 'submitted by {by}, {time}',
			'rtw.plan.decided': '{what} by {by}, {time}',
			'rtw.status.submitted': 'Awaiting approval',
			'rtw.status.approved': 'Approved',
			'rtw.status.rejected': 'Rejected',
			'rtw.decide.note': 'Comment (optional)',
			'rtw.decide.approve': 'Approve',
			'rtw.decide.reject': 'Reject',
			'rtw.decide.conflict': 'This plan had already been decided; the list is updated.'
		}
	});

	var $ = function (id) { return document.getElementById(id); };
	var el = fk.el;
	var pageError = $('page-error');

	var REASONS = ['no_report_today', 'status_red', 'status_yellow', 'stay_in_place', 'await_school_notice',
		       'under_observation', 'in_medium_risk_area', 'in_high_risk_area', 'came_from_risk_area'];
	var LEVEL_PILL = {low: 'pill-green', medium: 'pill-yellow', high: 'pill-red'};
	var PAGE = 20;

	var session = null;
	var office = false;
	var date = '';
	var rtw = null;             /* GET /return-to-work */
	var tree = {};              /* department id -> {name, path} from GET /departments */
	var plans = [];
	var offShown = 0;
	var seq = 0;

	function pct(x) {
		return Math.round((x || 0) * 1000) / 10 + '%';
	}

	function capText(cap) {
		if (!cap)
			return fk.t('rtw.no_plan');
		var frac = cap === 50 ? '1/2' : cap === 33 ? '1/3' : '';
		if (!frac)
			return cap + '%';
		return cap + '%' + (fk.lang() === 'en' ? ' (' + frac + ')' : '（' + frac + '）');
	}

	function deptName(id) {
		var d = tree[id];
		if (d)
			return d.name;
		var r = rtw && (rtw.departments || []).filter(function (x) { return x.id === id; })[0];
		return r ? r.name : '#' + id;
	}

	/* ---- departments ---------------------------------------------------- */

	/* The departments in tree order, each with its depth among those shown. */
	function orderedDepartments() {
		var deps = (rtw && rtw.departments) || [];
		var shown = {};
		deps.forEach(function (d) { shown[d.id] = true; });
		function path(d) {
			return (tree[d.id] && tree[d.id].path) || '/' + d.id + '/';
		}
		return deps.slice().sort(function (a, b) {
			var pa = path(a).split('/').filter(Boolean).map(Number);
			var pb = path(b).split('/').filter(Boolean).map(Number);
			for (var i = 0; i < Math.min(pa.length, pb.length); i++)
				if (pa[i] !== pb[i])
					return pa[i] - pb[i];
			return pa.length - pb.length;
		}).map(function (d) {
			var ancestors = path(d).split('/').filter(Boolean).map(Number).filter(function (id) {
				return id !== d.id && shown[id];
			});
			return {d: d, depth: Math.min(ancestors.length, 3)};
		});
	}

	function renderTiles() {
		var deps = (rtw && rtw.departments) || [];
		var sum = {people: 0, eligible: 0, allowed: 0, planned: 0};
		deps.forEach(function (d) {
			sum.people += d.people || 0;
			sum.eligible += d.eligible || 0;
			if (d.cap_percent) {
				sum.allowed += d.allowed || 0;
				sum.planned++;
			}
		});
		$('n-people').textContent = rtw ? String(sum.people) : '–';
		$('n-eligible').textContent = rtw ? String(sum.eligible) : '–';
		$('n-share').textContent = rtw && sum.people ? fk.t('rtw.share', {pct: pct(sum.eligible / sum.people)}) : '';
		$('n-allowed').textContent = rtw ? (sum.planned ? String(sum.allowed) : '—') : '–';
		$('n-off').textContent = rtw ? String(offPeople().length) : '–';
	}

	function renderDepartments() {
		var tb = $('dept-table').tBodies[0];
		fk.clear(tb);
		orderedDepartments().forEach(function (x) {
			var d = x.d;
			var planned = d.cap_percent > 0;
			tb.appendChild(el('tr', {'data-dept-id': d.id, 'data-ready': d.ready ? '1' : '0',
						 'data-cap': d.cap_percent || 0}, [
				el('th', {scope: 'row', className: x.depth ? 'depth-' + x.depth : ''}, [
					el('span', {text: d.name}),
					planned && d.plan_start ? el('span', {className: 'muted region-sub',
						text: fk.t('rtw.plan_from', {date: fk.fmtDate(d.plan_start, {year: undefined})})}) : null
				]),
				el('td', {className: 'num', 'data-key': 'people', text: String(d.people)}),
				el('td', {className: 'num', 'data-key': 'eligible', text: String(d.eligible)}),
				el('td', {className: 'num', 'data-key': 'share', text: pct(d.eligible_share)}),
				el('td', {className: 'num' + (planned ? '' : ' muted'), 'data-key': 'cap', title: capText(d.cap_percent),
					  text: planned ? d.cap_percent + '%' : '—'}),
				el('td', {className: 'num', 'data-key': 'allowed', text: planned ? String(d.allowed) : '—'}),
				el('td', {'data-key': 'ready', className: d.ready ? 'rtw-ready' : 'muted'}, [
					el('span', {'aria-hidden': 'true', text: d.ready ? '✓' : '—'}),
					el('span', {className: 'visually-hidden', text: fk.t(d.ready ? 'rtw.ready' : 'rtw.not_ready')})
				])
			]));
		});
	}

	/* ---- who may not come in ------------------------------------------- */

	function offPeople() {
		return ((rtw && rtw.people) || []).filter(function (p) { return !p.on_site; });
	}

	function filteredOff() {
		var dep = $('off-dept').value, why = $('off-reason').value;
		return offPeople().filter(function (p) {
			return (!dep || String(p.department_id) === dep) && (!why || (p.reasons || []).indexOf(why) >= 0);
		});
	}

	function fillOffFilters() {
		var dsel = $('off-dept'), rsel = $('off-reason');
		var keepD = dsel.value, keepR = rsel.value;
		[dsel, rsel].forEach(function (sel) {
			Array.prototype.slice.call(sel.options).forEach(function (o) {
				if (o.value)
					sel.removeChild(o);
			});
		});
		orderedDepartments().forEach(function (x) {
			dsel.appendChild(el('option', {value: String(x.d.id),
						       text: '\u00a0\u00a0'.repeat(x.depth) + x.d.name}));
		});
		var present = {};
		offPeople().forEach(function (p) {
			(p.reasons || []).forEach(function (r) { present[r] = true; });
		});
		REASONS.concat(Object.keys(present).filter(function (r) { return REASONS.indexOf(r) < 0; }))
			.forEach(function (r) {
				if (present[r])
					rsel.appendChild(el('option', {value: r, text: reasonText(r)}));
			});
		dsel.value = keepD;
		rsel.value = keepR;
		if (dsel.value !== keepD)
			dsel.value = '';
		if (rsel.value !== keepR)
			rsel.value = '';
	}

	function reasonText(code) {
		var key = 'rtw.reason.' + code;
		var s = fk.t(key);
		return s === key ? code : s;
	}

	function personItem(p) {
		var tags = (p.reasons || []).map(function (r) {
			var strong = r === 'status_red' || r === 'in_high_risk_area' || r === 'came_from_risk_area' ||
				r === 'under_observation';
			return el('li', {className: 'flag' + (strong ? ' flag-strong' : ''), 'data-reason': r, text: reasonText(r)});
		});
		var where = null;
		if (p.where) {
			where = el('p', {className: 'muted rtw-where'});
			var place = el('span', {text: p.where});
			fk.regionName(p.where).then(function (n) {
				if (n)
					place.textContent = n;
			});
			where.appendChild(el('span', {text: fk.t('rtw.where.label')}));
			where.appendChild(place);
			if (p.where_level)
				where.appendChild(el('span', {className: 'pill ' + (LEVEL_PILL[p.where_level] || 'pill-none'),
							      text: fk.t('risk.level.' + p.where_level)}));
		}
		return el('li', {className: 'person-item', 'data-person-id': p.person_id,
				 'data-reasons': (p.reasons || []).join(' ')}, [
			el('div', {className: 'alert-head'}, [
				el('a', {href: '/history.html?person=' + encodeURIComponent(p.person_id), className: 'person-link',
					 text: p.name || p.person_id}),
				el('span', {className: 'muted', text: p.person_id}),
				el('span', {className: 'muted', text: deptName(p.department_id)}),
				p.kind && p.kind !== 'staff' ? el('span', {className: 'tag', text: fk.t('rtw.kind.' + p.kind)}) : null
			]),
			el('ul', {className: 'flag-list'}, tags),
			where
		]);
	}

	function renderOff(more) {
		var list = $('off-list');
		var items = filteredOff();
		if (!more) {
			fk.clear(list);
			offShown = 0;
		}
		var next = Math.min(items.length, offShown + PAGE);
		for (var i = offShown; i < next; i++)
			list.appendChild(personItem(items[i]));
		offShown = next;
		$('off-count').textContent = rtw ? String(items.length) : '';
		$('off-none').hidden = !rtw || items.length > 0;
		$('off-more').hidden = offShown >= items.length;
		offMoreText();
	}

	function offMoreText() {
		var total = filteredOff().length;
		$('off-more').textContent = fk.t('rtw.off.more', {n: Math.min(PAGE, total - offShown), total: total});
	}

	/* ---- plans ---------------------------------------------------------- */

	function statusPill(status) {
		var cls = {submitted: 'pill-yellow', approved: 'pill-green', rejected: 'pill-red'}[status] || 'pill-none';
		return el('span', {className: 'pill ' + cls, 'data-status': status, text: fk.t('rtw.status.' + status)});
	}

	function decideForm(p) {
		var box = el('div', {className: 'alert alert-error', role: 'alert', 'data-message': true, hidden: true});
		var note = el('input', {type: 'text', id: 'decide-note-' + p.id, name: 'note', maxLength: 300, autocomplete: 'off'});
		var approve = el('button', {type: 'button', className: 'btn btn-primary', i18n: 'rtw.decide.approve',
					    'data-action': 'approve'});
		var reject = el('button', {type: 'button', className: 'btn btn-outline', i18n: 'rtw.decide.reject',
					   'data-action': 'reject'});
		async function decide(yes) {
			fk.showMessage(box, null);
			approve.disabled = reject.disabled = true;
			var body = {approve: yes};
			if (note.value.trim())
				body.note = note.value.trim();
			try {
				var r = await fk.send('POST', '/api/v1/plans/' + p.id + '/decision', body);
				if (r.res.status === 409) {
					fk.showMessage(box, 'rtw.decide.conflict');
					return loadPlans();
				}
				if (!r.res.ok)
					return fk.showMessage(box, await fk.apiError(r.res));
				await loadPlans();
				loadRtw();
			} catch (e) {
				fk.showMessage(box, 'err.network');
			} finally {
				approve.disabled = reject.disabled = false;
			}
		}
		approve.addEventListener('click', function () { decide(true); });
		reject.addEventListener('click', function () { decide(false); });
		return el('div', {className: 'form sub-form decide-form'}, [
			el('div', {className: 'field'}, [el('label', {'for': 'decide-note-' + p.id, i18n: 'rtw.decide.note'}), note]),
			el('div', {className: 'btn-row'}, [approve, reject]),
			box
		]);
	}

	function planItem(p) {
		var li = el('li', {className: 'item plan-item', 'data-plan-id': p.id, 'data-dept-id': p.department_id,
				   'data-status': p.status}, [
			el('p', {className: 'item-line'}, [
				el('strong', {text: p.department || deptName(p.department_id)}),
				statusPill(p.status)
			]),
			el('p', {className: 'plan-line', text: fk.t('rtw.plan.line', {start: fk.fmtDate(p.start_date),
									   cap: fk.t('rtw.cap.text', {cap: capText(p.cap_percent)})})}),
			p.note ? el('p', {className: 'plan-note', text: p.note}) : null,
			el('p', {className: 'muted', text: fk.t('rtw.plan.by', {by: p.by || '', time: fk.fmtTime(p.created_at)})})
		]);
		if (p.status !== 'submitted')
			li.appendChild(el('p', {className: 'muted', text: fk.t('rtw.plan.decided', {
				by: p.decided_by || '', time: fk.fmtTime(p.decided_at), what: fk.t('rtw.status.' + p.status)})
				+ (p.decision_note ? ' · ' + p.decision_note : '')}));
		else if (office)
			li.appendChild(decideForm(p));
		return li;
	}

	function renderPlans() {
		var list = $('plan-list');
		fk.clear(list);
		var sorted = plans.slice().sort(function (a, b) {
			return ((b.status === 'submitted') - (a.status === 'submitted')) || (b.id - a.id);
		});
		sorted.forEach(function (p) { list.appendChild(planItem(p)); });
		$('plans-none').hidden = plans.length > 0;
		var waiting = plans.filter(function (p) { return p.status === 'submitted'; }).length;
		$('plans-count').textContent = waiting ? String(waiting) : '';
		$('plans-count').className = 'count-badge' + (waiting && office ? ' count-alert' : '');
	}

	async function loadPlans() {
		fk.showMessage($('plans-error'), null);
		var g;
		try {
			g = await fk.get('/api/v1/plans');
		} catch (e) {
			return fk.showMessage($('plans-error'), 'err.network');
		}
		if (!g.body)
			return fk.showMessage($('plans-error'), await fk.apiError(g.res));
		plans = g.body.items || [];
		renderPlans();
	}

	function fillPlanDepartments() {
		var sel = $('plan-dept');
		var keep = sel.value;
		fk.clear(sel);
		orderedDepartments().forEach(function (x) {
			sel.appendChild(el('option', {value: String(x.d.id), text: '\u00a0\u00a0'.repeat(x.depth) + x.d.name}));
		});
		var mine = session && session.user.department_id;
		if (keep)
			sel.value = keep;
		else if (mine && tree[mine] !== undefined)
			sel.value = String(mine);
	}

	async function submitPlan(ev) {
		ev.preventDefault();
		var box = $('plan-error');
		var done = $('plan-done');
		done.hidden = true;
		var dep = Number($('plan-dept').value);
		var start = $('plan-start').value;
		var choice = document.querySelector('#plan-form input[name="cap"]:checked');
		var cap = choice && choice.value !== 'custom' ? Number(choice.value) : Number($('plan-custom').value);
		if (!(dep > 0))
			return fk.showMessage(box, 'rtw.plan.need_department');
		if (!start)
			return fk.showMessage(box, 'rtw.plan.need_start');
		if (!(cap >= 1 && cap <= 100 && Math.floor(cap) === cap)) {
			$('plan-custom').setAttribute('aria-invalid', 'true');
			return fk.showMessage(box, 'rtw.plan.bad_cap');
		}
		$('plan-custom').removeAttribute('aria-invalid');
		var body = {department_id: dep, start_date: start, cap_percent: cap};
		if ($('plan-note').value.trim())
			body.note = $('plan-note').value.trim();
		fk.showMessage(box, null);
		var btn = $('plan-submit');
		btn.disabled = true;
		try {
			var r = await fk.send('POST', '/api/v1/plans', body);
			if (!r.res.ok)
				return fk.showMessage(box, await fk.apiError(r.res));
			var name = deptName(dep);
			done.textContent = fk.t('rtw.plan.done', {department: name});
			done.hidden = false;
			$('plan-note').value = '';
			$('plan-details').open = false;
			await loadPlans();
		} catch (e) {
			fk.showMessage(box, 'err.network');
		} finally {
			btn.disabled = false;
		}
	}

	/* ---- loading -------------------------------------------------------- */

	function render() {
		renderTiles();
		renderDepartments();
		fillOffFilters();
		renderOff(false);
		fillPlanDepartments();
	}

	async function loadRtw() {
		var my = ++seq;
		fk.showMessage($('rtw-error'), null);
		var g;
		try {
			g = await fk.get('/api/v1/return-to-work?date=' + date);
		} catch (e) {
			return my === seq && fk.showMessage($('rtw-error'), 'err.network');
		}
		if (my !== seq)
			return;
		if (!g.body) {
			rtw = null;
			render();
			return fk.showMessage($('rtw-error'), await fk.apiError(g.res));
		}
		rtw = g.body;
		render();
	}

	async function loadTree() {
		try {
			var g = await fk.get('/api/v1/departments');
			(g.body && g.body.items || []).forEach(function (d) {
				tree[d.id] = {name: d.name, path: d.path || '/' + d.id + '/'};
			});
		} catch (e) {
			/* the order is a nicety: without it, the server's order */
		}
	}

	function setDate(d, push) {
		var today = fk.today();
		if (!/^\d{4}-\d{2}-\d{2}$/.test(d))
			d = today;
		date = d;
		$('date').value = d;
		if (push)
			window.history.replaceState(null, '', '?date=' + d);
		loadRtw();
	}

	function wire() {
		$('date-form').addEventListener('submit', function (ev) { ev.preventDefault(); });
		$('date').addEventListener('change', function () {
			if ($('date').value)
				setDate($('date').value, true);
		});
		$('prev-day').addEventListener('click', function () { setDate(fk.addDays(date, -1), true); });
		$('next-day').addEventListener('click', function () { setDate(fk.addDays(date, 1), true); });
		$('to-today').addEventListener('click', function () { setDate(fk.today(), true); });
		$('off-filters').addEventListener('submit', function (ev) { ev.preventDefault(); });
		$('off-dept').addEventListener('change', function () { renderOff(false); });
		$('off-reason').addEventListener('change', function () { renderOff(false); });
		$('off-more').addEventListener('click', function () { renderOff(true); });
		document.querySelectorAll('#plan-form input[name="cap"]').forEach(function (i) {
			i.addEventListener('change', function () {
				var custom = document.querySelector('#plan-form input[name="cap"]:checked').value === 'custom';
				$('plan-custom-field').hidden = !custom;
				if (custom)
					$('plan-custom').focus();
			});
		});
		$('plan-form').addEventListener('submit', submitPlan);
	}

	fk.onChange(function () {
		if (rtw) {
			renderTiles();
			renderDepartments();
			fillOffFilters();
			renderOff(false);
		}
		renderPlans();
	});

	async function load() {
		session = await fk.start({page: 'rtw', roles: ['dept_head', 'office'], errorBox: pageError});
		$('loading').hidden = true;
		if (!session)
			return;
		office = session.user.role === 'office';
		$('content').hidden = false;
		$('plan-start').value = fk.today();
		wire();
		await loadTree();
		var asked = new URLSearchParams(window.location.search).get('date') || '';
		setDate(asked, false);
		loadPlans();
	}

	load();
})();
