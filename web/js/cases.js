/*
 * cases.js -- web: case management for health officials (cases.html),
 * read-only for the epidemic office (cases among its own people).  Three
 * views, chosen by the query string:
 *
 *   (none)      the list: GET /api/v1/cases?classification=&overdue=,
 *               a page at a time (?after=), with the overdue badges
 *               (report 2 h after detection, investigation 24 h after the
 *               report);
 *   ?new=1      registering a case (officials): find or register the
 *               person (picker.js), then the case form, POST /api/v1/cases.
 *               ?subject=ID starts with that person; ?review=ID resolves
 *               that suspected-case review as "case_opened" once the case
 *               is registered;
 *   ?id=N       one case: GET /api/v1/cases/{id} (with events, labs,
 *               placements and "placed"), its classification with the
 *               steps the state machine allows (core/epi.h) as buttons and
 *               any other as a correction the server checks (its refusal is
 *               shown as it says it), severity, the investigation, labs,
 *               placements (an active case with no current placement is
 *               flagged "未安置 / not placed"), contacts one and two hops
 *               away (GET /api/v1/cases/{id}/contacts?hops=2) with their
 *               observation end dates, "add contact" (POST
 *               /api/v1/exposures: the answer says whether the person is a
 *               close contact and until when they are observed), and the
 *               timeline of events.
 */
(function () {
	'use strict';

	fk.extend({
		'zh-CN': {
			'cases.doctitle': '病例 · 防控',
			'cases.title': '病例',
			'cases.new': '登记病例',
			'cases.office_note': '这里列出本单位人员的病例，只能查看。',
			'cases.filter.class': '分类',
			'cases.filter.all': '全部',
			'cases.filter.overdue': '超时',
			'cases.filter.any': '不限',
			'cases.overdue.report': '报告超时（2 小时）',
			'cases.overdue.investigation': '流调超时（24 小时）',
			'cases.none': '没有符合条件的病例。',
			'cases.more': '加载更多',
			'cases.back': '‹ 病例列表',
			'cases.new.title': '登记病例',
			'cases.new.review': '登记后，这条待复核记录会标为“已立案”。',
			'cases.new.person': '1. 病例本人',
			'cases.new.case': '2. 病例信息',
			'cases.new.officials': '只有卫生健康部门可以登记病例。',
			'cases.f.classification': '分类',
			'cases.f.onset': '发病日期',
			'cases.f.sampling': '采样日期',
			'cases.f.report': '报告日期',
			'cases.f.class_date': '分类日期',
			'cases.f.diagnosis': '诊断日期',
			'cases.f.isolation': '隔离日期',
			'cases.f.detected': '发现时间（选填，北京时间）',
			'cases.f.detected.help': '不填则为现在。发现后 2 小时内应完成网络直报。',
			'cases.f.severity': '临床分型',
			'cases.f.facility': '收治医疗机构',
			'cases.f.region': '所在地区代码（6 位）',
			'cases.f.imported': '境外输入病例',
			'cases.f.submit': '登记病例',
			'cases.f.busy': '正在登记…',
			'cases.f.need_report': '请填写报告日期。',
			'cases.f.need_region': '请输入 6 位地区代码。',
			'cases.number': '病例 #{id}',
			'cases.since': '{date}起',
			'cases.badge.report_overdue': '报告超时',
			'cases.badge.investigation_overdue': '流调超时',
			'cases.badge.imported': '境外输入',
			'cases.badge.registry': '本单位人员',
			'cases.badge.not_placed': '未安置',
			'cases.not_placed': '未安置 / not placed',
			'cases.not_placed.body': '这是一个活动病例，但没有当前的安置记录（应收尽收）。',
			'cases.k.onset': '发病',
			'cases.k.sampling': '采样',
			'cases.k.report': '报告',
			'cases.k.diagnosis': '诊断',
			'cases.k.isolation': '隔离',
			'cases.k.region': '地区',
			'cases.k.facility': '收治机构',
			'cases.k.detected': '发现时间',
			'cases.k.reported': '网络直报',
			'cases.k.by': '登记人',
			'cases.class.title': '分类变更',
			'cases.class.final': '这是最终分类，不能再变更。',
			'cases.class.next': '可以变更为：',
			'cases.class.other': '更正为其他分类…',
			'cases.class.other.label': '分类',
			'cases.class.other.go': '变更',
			'cases.class.other.help': '服务器按分类规则检查；不允许的变更会被拒绝并说明原因。',
			'cases.class.refused': '不能变更：{message}',
			'cases.class.done': '已变更为{cls}。',
			'cases.tr.date': '变更日期',
			'cases.tr.reason': '依据（选填）',
			'cases.severity.set': '更新',
			'cases.inv.title': '流行病学调查',
			'cases.inv.done': '记录已完成个案调查',
			'cases.inv.at': '已于 {time} 完成个案调查。',
			'cases.inv.due': '应于 {time} 前完成（报告后 24 小时）。',
			'cases.inv.overdue': '已超时：应于 {time} 前完成。',
			'cases.inv.none': '不需要。',
			'cases.labs.title': '检测结果',
			'cases.labs.none': '还没有检测记录。',
			'cases.labs.add': '添加检测结果',
			'cases.labs.kind': '检测方法',
			'cases.labs.sample': '采样日期',
			'cases.labs.result_date': '结果日期',
			'cases.labs.result': '结果',
			'cases.labs.line': '采样 {sample}',
			'cases.labs.result_on': '{date}出结果',
			'lab.rt_pcr': '核酸（RT-PCR）',
			'lab.igm': 'IgM 抗体',
			'lab.igg': 'IgG 抗体',
			'lab.sequencing': '基因测序',
			'lab.positive': '阳性',
			'lab.negative': '阴性',
			'lab.pending': '待出结果',
			'cases.save': '保存',
			'cases.need_date': '请填写日期。',
			'cases.place.title': '安置',
			'cases.place.none': '还没有安置记录。',
			'cases.place.add': '添加安置',
			'cases.place.category': '类别',
			'cases.place.type': '安置方式',
			'cases.place.facility': '机构或地点',
			'cases.place.start': '开始日期',
			'cases.place.end': '结束日期（选填）',
			'cases.place.range': '{from} 至 {to}',
			'cases.place.now': '今',
			'place.cat.confirmed': '确诊患者',
			'place.cat.suspected': '疑似患者',
			'place.cat.fever': '发热患者',
			'place.cat.contact': '密切接触者',
			'place.type.designated_hospital': '定点医院',
			'place.type.centralised_isolation': '集中隔离点',
			'place.type.fever_clinic': '发热门诊',
			'place.type.home': '居家',
			'cases.contacts.title': '密切接触者',
			'cases.contacts.hop1': '直接接触（一代）',
			'cases.contacts.hop2': '接触者的接触者（二代）',
			'cases.contacts.none': '还没有登记接触者。',
			'cases.contacts.none2': '没有。',
			'cases.contacts.add': '添加接触者',
			'cases.contacts.close': '密切接触者',
			'cases.contacts.not_close': '非密切接触',
			'cases.contacts.last': '最后接触 {date}',
			'cases.contacts.via': '经 {name}',
			'cases.contacts.obs': '医学观察至 {date}',
			'cases.ct.first': '首次接触日期',
			'cases.ct.last': '最后接触日期',
			'cases.ct.setting': '接触场所',
			'cases.ct.protection': '防护情况',
			'cases.ct.kind': '如为密切接触者，医学观察方式',
			'cases.ct.note': '说明（选填）',
			'cases.ct.submit': '登记接触',
			'cases.ct.need_dates': '请填写首次和最后接触日期。',
			'cases.ct.close': '{name}：密切接触者，医学观察至 {date}。',
			'cases.ct.close.extended': '{name}：密切接触者，已有的医学观察延长至 {date}。',
			'cases.ct.close.kept': '{name}：密切接触者，已在医学观察中，至 {date}。',
			'cases.ct.not_close': '{name}：已登记接触，但不构成密切接触（有效防护，或不在病例的传播期内）。',
			'setting.household': '共同居住',
			'setting.workplace': '工作场所',
			'setting.classroom': '教室',
			'setting.transport': '交通工具',
			'setting.medical': '诊疗、护理',
			'setting.gathering': '聚餐、聚会',
			'setting.other': '其他',
			'prot.none': '无防护',
			'prot.inadequate': '防护不足',
			'prot.effective': '有效防护',
			'obs.kind.home': '居家医学观察',
			'obs.kind.centralised': '集中医学观察',
			'cases.timeline': '时间线',
			'cases.ev.classification': '分类：{from} → {to}',
			'cases.ev.registered': '登记为{to}',
			'cases.ev.severity': '临床分型：{from} → {to}',
			'cases.ev.investigation': '完成个案调查',
			'cases.ev.by': '{by}',
			'cases.ev.on': '{date}'
		},
		en: {
			'cases.doctitle': 'Cases · Fangkong',
			'cases.title': 'Cases',
			'cases.new': 'Register a case',
			'cases.office_note': 'Cases among our own people, read only.',
			'cases.filter.class': 'Classification',
			'cases.filter.all': 'All',
			'cases.filter.overdue': 'Overdue',
			'cases.filter.any': 'Any',
			'cases.overdue.report': 'Report overdue (2 h)',
			'cases.overdue.investigation': 'Investigation overdue (24 h)',
			'cases.none': 'No cases match.',
			'cases.more': 'Load more',
			'cases.back': '‹ All cases',
			'cases.new.title': 'Register a case',
			'cases.new.review': 'Once the case is registered, the open review is marked “case opened”.',
			'cases.new.person': '1. The person',
			'cases.new.case': '2. The case',
			'cases.new.officials': 'Only health officials register cases.',
			'cases.f.classification': 'Classification',
			'cases.f.onset': 'Symptom onset',
			'cases.f.sampling': 'Sampled',
			'cases.f.report': 'Reported',
			'cases.f.class_date': 'Classified on',
			'cases.f.diagnosis': 'Diagnosed',
			'cases.f.isolation': 'Isolated',
			'cases.f.detected': 'Detected at (optional, Beijing time)',
			'cases.f.detected.help': 'Now if left empty. The online report is due within 2 hours of detection.',
			'cases.f.severity': 'Severity',
			'cases.f.facility': 'Treating facility',
			'cases.f.region': 'Region code (6 digits)',
			'cases.f.imported': 'Imported from abroad',
			'cases.f.submit': 'Register the case',
			'cases.f.busy': 'Registering…',
			'cases.f.need_report': 'Please give the report date.',
			'cases.f.need_region': 'Please enter a 6-digit region code.',
			'cases.number': 'Case #{id}',
			'cases.since': 'since {date}',
			'cases.badge.report_overdue': 'Report overdue',
			'cases.badge.investigation_overdue': 'Investigation overdue',
			'cases.badge.imported': 'Imported',
			'cases.badge.registry': 'One of our people',
			'cases.badge.not_placed': 'Not placed',
			'cases.not_placed': '未安置 / not placed',
			'cases.not_placed.body': 'This case is active but has no current placement.',
			'cases.k.onset': 'Onset',
			'cases.k.sampling': 'Sampled',
			'cases.k.report': 'Reported',
			'cases.k.diagnosis': 'Diagnosed',
			'cases.k.isolation': 'Isolated',
			'cases.k.region': 'Region',
			'cases.k.facility': 'Facility',
			'cases.k.detected': 'Detected',
			'cases.k.reported': 'Reported online',
			'cases.k.by': 'Registered by',
			'cases.class.title': 'Classification',
			'cases.class.final': 'This classification is final.',
			'cases.class.next': 'Can move to:',
			'cases.class.other': 'Correct to another classification…',
			'cases.class.other.label': 'Classification',
			'cases.class.other.go': 'Change',
			'cases.class.other.help': 'The server checks the rules and says why when a change is not allowed.',
			'cases.class.refused': 'Not allowed: {message}',
			'cases.class.done': 'Now {cls}.',
			'cases.tr.date': 'Date of the change',
			'cases.tr.reason': 'Grounds (optional)',
			'cases.severity.set': 'Update',
			'cases.inv.title': 'Epidemiological investigation',
			'cases.inv.done': 'Record the investigation as done',
			'cases.inv.at': 'Investigated at {time}.',
			'cases.inv.due': 'Due by {time} (24 hours after the report).',
			'cases.inv.overdue': 'Overdue: it was due by {time}.',
			'cases.inv.none': 'Not needed.',
			'cases.labs.title': 'Lab tests',
			'cases.labs.none': 'No lab tests yet.',
			'cases.labs.add': 'Add a lab test',
			'cases.labs.kind': 'Test',
			'cases.labs.sample': 'Sampled on',
			'cases.labs.result_date': 'Result on',
			'cases.labs.result': 'Result',
			'cases.labs.line': 'sampled {sample}',
			'cases.labs.result_on': 'result {date}',
			'lab.rt_pcr': 'Nucleic acid (RT-PCR)',
			'lab.igm': 'IgM antibody',
			'lab.igg': 'IgG antibody',
			'lab.sequencing': 'Sequencing',
			'lab.positive': 'Positive',
			'lab.negative': 'Negative',
			'lab.pending': 'Pending',
			'cases.save': 'Save',
			'cases.need_date': 'Please give the date.',
			'cases.place.title': 'Placement',
			'cases.place.none': 'No placement yet.',
			'cases.place.add': 'Add a placement',
			'cases.place.category': 'Category',
			'cases.place.type': 'Where',
			'cases.place.facility': 'Facility or place',
			'cases.place.start': 'From',
			'cases.place.end': 'Until (optional)',
			'cases.place.range': '{from} to {to}',
			'cases.place.now': 'now',
			'place.cat.confirmed': 'Confirmed patient',
			'place.cat.suspected': 'Suspected patient',
			'place.cat.fever': 'Fever patient',
			'place.cat.contact': 'Close contact',
			'place.type.designated_hospital': 'Designated hospital',
			'place.type.centralised_isolation': 'Isolation facility',
			'place.type.fever_clinic': 'Fever clinic',
			'place.type.home': 'At home',
			'cases.contacts.title': 'Close contacts',
			'cases.contacts.hop1': 'In contact with the case',
			'cases.contacts.hop2': 'Contacts of contacts',
			'cases.contacts.none': 'No contacts recorded yet.',
			'cases.contacts.none2': 'None.',
			'cases.contacts.add': 'Add a contact',
			'cases.contacts.close': 'Close contact',
			'cases.contacts.not_close': 'Not a close contact',
			'cases.contacts.last': 'last contact {date}',
			'cases.contacts.via': 'through {name}',
			'cases.contacts.obs': 'observation until {date}',
			'cases.ct.first': 'First contact',
			'cases.ct.last': 'Last contact',
			'cases.ct.setting': 'Setting',
			'cases.ct.protection': 'Protection',
			'cases.ct.kind': 'If a close contact, observed',
			'cases.ct.note': 'Note (optional)',
			'cases.ct.submit': 'Record the contact',
			'cases.ct.need_dates': 'Please give the first and last dates of contact.',
			'cases.ct.close': '{name}: close contact: observation until {date}.',
			'cases.ct.close.extended': '{name}: close contact: their observation is extended until {date}.',
			'cases.ct.close.kept': '{name}: close contact, already under observation until {date}.',
			'cases.ct.not_close': '{name}: contact recorded, but not a close contact (effective protection, or outside the case’s infectious period).',
			'setting.household': 'Household',
			'setting.workplace': 'Workplace',
			'setting.classroom': 'Classroom',
			'setting.transport': 'Transport',
			'setting.medical': 'Medical care',
			'setting.gathering': 'Meal or gathering',
			'setting.other': 'Other',
			'prot.none': 'None',
			'prot.inadequate': 'Inadequate',
			'prot.effective': 'Effective',
			'obs.kind.home': 'At home',
			'obs.kind.centralised': 'In a facility',
			'cases.timeline': 'Timeline',
			'cases.ev.classification': 'Classification: {from} → {to}',
			'cases.ev.registered': 'Registered as {to}',
			'cases.ev.severity': 'Severity: {from} → {to}',
			'cases.ev.investigation': 'Investigation done',
			'cases.ev.by': '{by}',
			'cases.ev.on': '{date}'
		}
	});

	var $ = function (id) { return document.getElementById(id); };
	var el = fk.el;
	var pageError = $('page-error');
	var role = '';
	var official = false;

	/* The classification state machine of core/epi.h. */
	var NEXT = {
		'new': ['suspected', 'confirmed', 'clinical', 'asymptomatic'],
		suspected: ['confirmed', 'clinical', 'excluded', 'died'],
		clinical: ['confirmed', 'excluded', 'recovered', 'died'],
		asymptomatic: ['confirmed', 'excluded', 'recovered'],
		confirmed: ['recovered', 'died'],
		recovered: ['confirmed'],
		excluded: [],
		died: []
	};
	var ACTIVE = ['suspected', 'confirmed', 'clinical', 'asymptomatic'];
	var PILL = {suspected: 'pill-yellow', confirmed: 'pill-red', clinical: 'pill-red',
		    asymptomatic: 'pill-red', recovered: 'pill-green', excluded: 'pill-none',
		    died: 'pill-dark', 'new': 'pill-none'};

	function clsText(c) {
		return fk.t('cls.' + (c || 'new'));
	}

	function clsPill(c) {
		return el('span', {className: 'pill ' + (PILL[c] || 'pill-none'), 'data-class': c, text: clsText(c)});
	}

	function isActive(c) {
		return ACTIVE.indexOf(c) >= 0;
	}

	function badge(key, kind) {
		return el('li', {className: 'tag tag-' + (kind || 'info'), 'data-badge': key, i18n: 'cases.badge.' + key});
	}

	/* Show the region's name in node once known (the code until then). */
	function regionInto(node, code, prefix) {
		node.textContent = (prefix || '') + (code || '');
		if (code)
			fk.regionName(code).then(function (n) {
				if (n)
					node.textContent = (prefix || '') + n;
			});
		return node;
	}

	/* A form's field named by the server gets aria-invalid. */
	function markField(form, field) {
		form.querySelectorAll('[aria-invalid]').forEach(function (n) { n.removeAttribute('aria-invalid'); });
		if (!field)
			return;
		var n = form.querySelector('[name="' + field + '"]');
		if (n) {
			n.setAttribute('aria-invalid', 'true');
			if (n.focus)
				n.focus();
		}
	}

	async function failWith(box, res, form) {
		var err = await fk.readError(res);
		if (form)
			markField(form, err.field);
		fk.showMessage(box, fk.errorText(err));
		return err;
	}

	/* Set max=today on every date input, so a phone's picker stops there. */
	function capDates(root) {
		root.querySelectorAll('input[type="date"]').forEach(function (i) { i.max = fk.today(); });
	}

	/* ---- the list ----------------------------------------------------- */

	var listNext = null;
	var listSeq = 0;

	function caseItem(c) {
		var badges = el('ul', {className: 'badge-list'});
		if (c.report_overdue)
			badges.appendChild(badge('report_overdue', 'alert'));
		if (c.investigation_overdue)
			badges.appendChild(badge('investigation_overdue', 'alert'));
		if (c.imported)
			badges.appendChild(badge('imported'));
		var region = el('span', {className: 'muted'});
		regionInto(region, c.region_code);
		return el('li', {className: 'case-item', 'data-case-id': c.id, 'data-class': c.classification,
				 'data-report-overdue': c.report_overdue ? '1' : '0',
				 'data-investigation-overdue': c.investigation_overdue ? '1' : '0'}, [
			el('a', {className: 'case-link', href: '/cases.html?id=' + c.id}, [
				el('span', {className: 'case-line'}, [
					el('strong', {className: 'case-name', text: c.name}),
					clsPill(c.classification)
				]),
				el('span', {className: 'case-sub muted'}, [
					fk.t('cases.number', {id: c.id}) + ' · ' + fk.t('cases.k.report') + ' ' +
						fk.fmtDate(c.report_date) + ' · ', region
				]),
				badges.firstChild ? badges : null
			])
		]);
	}

	async function loadList(more) {
		var seq = ++listSeq;
		var q = new URLSearchParams();
		var cls = $('filter-class').value, od = $('filter-overdue').value;
		if (cls)
			q.set('classification', cls);
		if (od)
			q.set('overdue', od);
		window.history.replaceState(null, '', q.toString() ? '?' + q.toString() : '/cases.html');
		if (more && listNext)
			q.set('after', listNext);
		q.set('limit', '50');
		fk.showMessage($('list-error'), null);
		var got;
		try {
			got = await fk.get('/api/v1/cases?' + q.toString());
		} catch (e) {
			return seq === listSeq && fk.showMessage($('list-error'), 'err.network');
		}
		if (seq !== listSeq)
			return;
		var list = $('case-list');
		if (!more)
			fk.clear(list);
		if (!got.body) {
			fk.showMessage($('list-error'), await fk.apiError(got.res));
			return;
		}
		(got.body.items || []).forEach(function (c) { list.appendChild(caseItem(c)); });
		listNext = got.body.next;
		$('list-more').hidden = !listNext;
		$('list-none').hidden = list.children.length > 0;
	}

	function showList() {
		var p = new URLSearchParams(window.location.search);
		$('filter-class').value = p.get('classification') || '';
		$('filter-overdue').value = p.get('overdue') || '';
		$('new-case-link').hidden = !official;
		$('office-note').hidden = official;
		$('list-view').hidden = false;
		['filter-class', 'filter-overdue'].forEach(function (id) {
			$(id).addEventListener('change', function () { loadList(false); });
		});
		$('filters').addEventListener('submit', function (ev) {
			ev.preventDefault();
			loadList(false);
		});
		$('list-more').addEventListener('click', function () { loadList(true); });
		loadList(false);
	}

	/* ---- registering a case ------------------------------------------- */

	var casePicker = null;
	var regionDefaulted = true;   /* the region field still holds the person's region */
	var creating = false;

	function subjectChosen(s) {
		$('case-form-card').hidden = !s;
		if (!s)
			return;
		var region = $('cf-region');
		if (regionDefaulted || !region.value) {
			region.value = s.region_code || '';
			regionDefaulted = true;
			caseRegionShow();
		}
	}

	var caseRegionSeq = 0;
	async function caseRegionShow() {
		var code = $('cf-region').value.trim();
		var out = $('cf-region-name');
		var seq = ++caseRegionSeq;
		out.removeAttribute('data-state');
		out.textContent = '';
		$('cf-clinical-choice').hidden = code.slice(0, 2) !== '42';
		if (!/^\d{6}$/.test(code))
			return;
		var n = await fk.regionName(code);
		if (seq !== caseRegionSeq)
			return;
		if (n) {
			out.textContent = n;
		} else {
			out.setAttribute('data-state', 'bad');
			out.textContent = fk.t('pick.region.bad');
		}
	}

	/* "YYYY-MM-DDTHH:MM" read as Beijing time -> Unix seconds. */
	function cstToUnix(v) {
		var m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(v || '');
		if (!m)
			return null;
		return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]) / 1000 - 8 * 3600;
	}

	async function submitCase(ev) {
		ev.preventDefault();
		if (creating)
			return;
		var form = $('case-form');
		var box = $('case-form-error');
		var s = casePicker.get();
		if (!s)
			return;
		var body = {subject_id: s.id};
		var cls = form.querySelector('input[name="classification"]:checked');
		body.classification = cls ? cls.value : 'confirmed';
		['onset_date', 'sampling_date', 'report_date', 'class_date', 'diagnosis_date', 'isolation_date']
			.forEach(function (k) {
				var v = form.elements[k].value;
				if (v)
					body[k] = v;
			});
		if (!body.report_date) {
			markField(form, 'report_date');
			return fk.showMessage(box, 'cases.f.need_report');
		}
		body.region_code = $('cf-region').value.trim();
		if (!/^\d{6}$/.test(body.region_code)) {
			markField(form, 'region_code');
			return fk.showMessage(box, 'cases.f.need_region');
		}
		var det = cstToUnix(form.elements.detected_at.value);
		if (det !== null)
			body.detected_at = det;
		if (form.elements.severity.value)
			body.severity = form.elements.severity.value;
		if (form.elements.facility.value.trim())
			body.facility = form.elements.facility.value.trim();
		body.imported = form.elements.imported.checked;
		markField(form, null);
		fk.showMessage(box, null);
		creating = true;
		var btn = $('case-submit');
		btn.disabled = true;
		btn.setAttribute('data-i18n', 'cases.f.busy');
		btn.textContent = fk.t('cases.f.busy');
		try {
			var r = await fk.send('POST', '/api/v1/cases', body);
			if (!r.body) {
				await failWith(box, r.res, form);
				return;
			}
			var review = new URLSearchParams(window.location.search).get('review');
			if (review && /^\d+$/.test(review))
				await fk.send('POST', '/api/v1/reviews/' + review + '/resolve',
					      {outcome: 'case_opened', case_id: r.body.id});
			window.location.assign('/cases.html?id=' + encodeURIComponent(r.body.id));
		} catch (e) {
			fk.showMessage(box, 'err.network');
		} finally {
			creating = false;
			btn.disabled = false;
			btn.setAttribute('data-i18n', 'cases.f.submit');
			btn.textContent = fk.t('cases.f.submit');
		}
	}

	async function showNew() {
		if (!official) {
			fk.showMessage(pageError, 'cases.new.officials');
			return;
		}
		var p = new URLSearchParams(window.location.search);
		$('new-view').hidden = false;
		$('new-review-note').hidden = !p.get('review');
		capDates($('case-form'));
		$('cf-report').value = fk.today();
		casePicker = fk.picker($('case-pick'), 'case-pick', subjectChosen);
		$('cf-region').addEventListener('input', function () {
			regionDefaulted = false;
			caseRegionShow();
		});
		$('case-form').addEventListener('submit', submitCase);
		var sid = p.get('subject');
		if (sid && /^\d+$/.test(sid)) {
			try {
				var g = await fk.get('/api/v1/subjects/' + sid);
				if (g.body)
					casePicker.set(g.body);
			} catch (e) {
				/* pick by hand */
			}
		}
	}

	/* ---- one case ------------------------------------------------------ */

	var caseId = 0;
	var data = null;         /* the case with events, labs, placements, placed */
	var contacts = [];
	var contactPicker = null;

	function fact(key, value, node) {
		if (!value && !node)
			return null;
		return el('div', {'data-key': key}, [
			el('dt', {i18n: 'cases.k.' + key}),
			node ? el('dd', {}, [node]) : el('dd', {text: value})
		]);
	}

	function renderHead() {
		var c = data;
		$('case-number').textContent = fk.t('cases.number', {id: c.id}) + (c.person_id ? ' · ' + c.person_id : '');
		$('case-name').textContent = c.name;
		var pill = $('case-class');
		pill.className = 'pill ' + (PILL[c.classification] || 'pill-none');
		pill.setAttribute('data-class', c.classification);
		pill.textContent = clsText(c.classification);
		$('case-class-date').textContent = c.class_date ? fk.t('cases.since', {date: fk.fmtDate(c.class_date)}) : '';

		var badges = $('case-badges');
		fk.clear(badges);
		var notPlaced = isActive(c.classification) && !c.placed;
		if (c.report_overdue)
			badges.appendChild(badge('report_overdue', 'alert'));
		if (c.investigation_overdue)
			badges.appendChild(badge('investigation_overdue', 'alert'));
		if (notPlaced)
			badges.appendChild(badge('not_placed', 'alert'));
		if (c.imported)
			badges.appendChild(badge('imported'));
		if (c.person_id)
			badges.appendChild(badge('registry'));
		$('not-placed').hidden = !notPlaced;

		var dl = $('case-facts');
		fk.clear(dl);
		[
			fact('onset', c.onset_date && fk.fmtDate(c.onset_date)),
			fact('sampling', c.sampling_date && fk.fmtDate(c.sampling_date)),
			fact('report', c.report_date && fk.fmtDate(c.report_date)),
			fact('diagnosis', c.diagnosis_date && fk.fmtDate(c.diagnosis_date)),
			fact('isolation', c.isolation_date && fk.fmtDate(c.isolation_date)),
			fact('region', null, regionInto(el('span'), c.region_code)),
			fact('facility', c.facility),
			fact('detected', fk.fmtTime(c.detected_at)),
			fact('reported', fk.fmtTime(c.reported_at)),
			fact('by', c.created_by)
		].forEach(function (n) {
			if (n)
				dl.appendChild(n);
		});
	}

	function renderClass() {
		var c = data;
		var next = (NEXT[c.classification] || []).filter(function (to) {
			return to !== 'clinical' || String(c.region_code).slice(0, 2) === '42';
		});
		var box = $('transition-buttons');
		fk.clear(box);
		next.forEach(function (to) {
			var b = el('button', {type: 'button', className: 'btn ' + (to === 'died' || to === 'excluded' ? 'btn-outline' : 'btn-primary'),
					      'data-to': to, text: '→ ' + clsText(to)});
			b.addEventListener('click', function () { transition(to); });
			box.appendChild(b);
		});
		$('class-next-label').hidden = next.length === 0;
		$('class-final').hidden = next.length > 0;
	}

	async function transition(to) {
		var box = $('transition-error');
		fk.showMessage(box, null);
		var body = {to: to};
		if ($('tr-date').value)
			body.date = $('tr-date').value;
		if ($('tr-reason').value.trim())
			body.reason = $('tr-reason').value.trim();
		var buttons = document.querySelectorAll('#class-card button');
		buttons.forEach(function (b) { b.disabled = true; });
		try {
			var r = await fk.send('POST', '/api/v1/cases/' + caseId + '/transitions', body);
			if (!r.body) {
				var err = await fk.readError(r.res);
				/* the state machine's refusal, in the server's words */
				if (r.res.status === 400 && err.field === 'to')
					fk.showMessage(box, function () { return fk.t('cases.class.refused', {message: err.message}); });
				else
					fk.showMessage(box, fk.errorText(err));
				return;
			}
			$('tr-reason').value = '';
			$('other-class').open = false;
			await loadCase();
		} catch (e) {
			fk.showMessage(box, 'err.network');
		} finally {
			buttons.forEach(function (b) { b.disabled = false; });
		}
	}

	function renderSeverity() {
		$('severity-now').textContent = fk.t('sev.' + (data.severity || 'none'));
		$('severity-date').textContent = data.severity_date ? fk.t('cases.since', {date: fk.fmtDate(data.severity_date)}) : '';
		if (data.severity && data.severity !== 'none')
			$('severity-to').value = data.severity;
	}

	function renderInvestigation() {
		var c = data;
		var p = $('inv-status');
		p.className = '';
		if (c.investigated_at) {
			p.textContent = fk.t('cases.inv.at', {time: fk.fmtTime(c.investigated_at)});
		} else if (!isActive(c.classification)) {
			p.textContent = fk.t('cases.inv.none');
		} else if (c.investigation_overdue) {
			p.className = 'text-alert';
			p.textContent = fk.t('cases.inv.overdue', {time: fk.fmtTime(c.investigation_due_at)});
		} else {
			p.textContent = fk.t('cases.inv.due', {time: fk.fmtTime(c.investigation_due_at)});
		}
		$('inv-done').hidden = !official || !!c.investigated_at;
	}

	function renderLabs() {
		var list = $('lab-list');
		fk.clear(list);
		var labs = data.labs || [];
		$('labs-none').hidden = labs.length > 0;
		labs.forEach(function (l) {
			var res = {positive: 'pill-red', negative: 'pill-green'}[l.result] || 'pill-none';
			var sub = [fk.t('cases.labs.line', {sample: fk.fmtDate(l.sample_date)})];
			if (l.result_date)
				sub.push(fk.t('cases.labs.result_on', {date: fk.fmtDate(l.result_date)}));
			list.appendChild(el('li', {className: 'item', 'data-lab-id': l.id, 'data-result': l.result}, [
				el('p', {className: 'item-line'}, [el('strong', {i18n: 'lab.' + l.kind}),
					el('span', {className: 'pill ' + res, i18n: 'lab.' + l.result})]),
				el('p', {className: 'muted', text: sub.join(' · ')})
			]));
		});
	}

	function renderPlacements() {
		var list = $('placement-list');
		fk.clear(list);
		var pl = data.placements || [];
		$('placements-none').hidden = pl.length > 0;
		pl.slice().reverse().forEach(function (p) {
			var current = !p.end_date;
			list.appendChild(el('li', {className: 'item', 'data-placement-id': p.id,
						   'data-current': current ? '1' : '0'}, [
				el('p', {className: 'item-line'}, [
					el('strong', {i18n: 'place.type.' + p.place_type}),
					el('span', {className: 'pill ' + (current ? 'pill-green' : 'pill-none'),
						    i18n: 'place.cat.' + p.category})
				]),
				el('p', {className: 'muted', text: [p.facility, fk.t('cases.place.range', {
					from: fk.fmtDate(p.start_date),
					to: p.end_date ? fk.fmtDate(p.end_date) : fk.t('cases.place.now')
				})].filter(Boolean).join(' · ')})
			]));
		});
	}

	function eventText(e) {
		if (e.kind === 'classification')
			return e.from === 'new' ? fk.t('cases.ev.registered', {to: clsText(e.to)})
				: fk.t('cases.ev.classification', {from: clsText(e.from), to: clsText(e.to)});
		if (e.kind === 'severity')
			return fk.t('cases.ev.severity', {from: fk.t('sev.' + (e.from || 'none')),
							   to: fk.t('sev.' + (e.to || 'none'))});
		if (e.kind === 'investigation')
			return fk.t('cases.ev.investigation');
		return e.kind + ': ' + (e.from || '') + ' → ' + (e.to || '');
	}

	function renderTimeline() {
		var list = $('timeline');
		fk.clear(list);
		(data.events || []).slice().sort(function (a, b) { return b.at - a.at; }).forEach(function (e) {
			var who = [fk.fmtDate(e.date), e.by].filter(Boolean).join(' · ');
			list.appendChild(el('li', {className: 'tl-item', 'data-kind': e.kind, 'data-to': e.to}, [
				el('p', {className: 'tl-when muted', text: fk.fmtTime(e.at)}),
				el('p', {className: 'tl-what', text: eventText(e)}),
				el('p', {className: 'muted tl-who', text: who + (e.reason && e.reason !== 'registered' ? ' · ' + e.reason : '')})
			]));
		});
	}

	function renderContacts() {
		var names = {};
		contacts.forEach(function (c) { names[c.subject_id] = c.name; });
		if (data)
			names[data.subject_id] = data.name;
		[1, 2].forEach(function (hop) {
			var list = $('contacts-' + hop);
			fk.clear(list);
			var items = contacts.filter(function (c) { return c.hop === hop; });
			$('contacts-' + hop + '-none').hidden = items.length > 0;
			items.forEach(function (c) {
				var sub = [fk.t('cases.contacts.last', {date: fk.fmtDate(c.last_exposure)})];
				if (hop === 2)
					sub.push(fk.t('cases.contacts.via', {name: names[c.via_subject] || ('#' + c.via_subject)}));
				var obs = null;
				if (c.observation_id)
					obs = el('a', {className: 'obs-link', href: '/observations.html?id=' + c.observation_id,
						       'data-end': c.observation_end,
						       text: fk.t('cases.contacts.obs', {date: fk.fmtDate(c.observation_end)})});
				list.appendChild(el('li', {className: 'item contact-item', 'data-subject-id': c.subject_id,
							   'data-hop': hop, 'data-close': c.close_contact ? '1' : '0',
							   'data-observation-end': c.observation_end || ''}, [
					el('p', {className: 'item-line'}, [
						el('strong', {text: c.name}),
						el('span', {className: 'pill ' + (c.close_contact ? 'pill-yellow' : 'pill-none'),
							    i18n: c.close_contact ? 'cases.contacts.close' : 'cases.contacts.not_close'})
					]),
					el('p', {className: 'muted', text: sub.join(' · ')}),
					obs ? el('p', {}, [obs]) : null
				]));
			});
		});
	}

	function render() {
		if (!data)
			return;
		renderHead();
		renderClass();
		renderSeverity();
		renderInvestigation();
		renderLabs();
		renderPlacements();
		renderTimeline();
		renderContacts();
		renderResult();
	}

	async function loadContacts() {
		fk.showMessage($('contacts-error'), null);
		try {
			var g = await fk.get('/api/v1/cases/' + caseId + '/contacts?hops=2');
			if (!g.body)
				return fk.showMessage($('contacts-error'), await fk.apiError(g.res));
			contacts = g.body.items || [];
		} catch (e) {
			return fk.showMessage($('contacts-error'), 'err.network');
		}
		renderContacts();
	}

	async function loadCase() {
		var g;
		try {
			g = await fk.get('/api/v1/cases/' + caseId);
		} catch (e) {
			fk.showMessage(pageError, 'err.network');
			return false;
		}
		if (!g.body) {
			fk.showMessage(pageError, await fk.apiError(g.res));
			$('case-view').hidden = true;
			return false;
		}
		data = g.body;
		document.title = data.name + ' · ' + fk.t('cases.doctitle');
		render();
		return true;
	}

	/* The answer to "add contact", kept until the next one. */
	var lastResult = null;

	function renderResult() {
		var box = $('contact-result');
		if (!lastResult) {
			box.hidden = true;
			return;
		}
		var r = lastResult;
		var key = 'cases.ct.not_close';
		if (r.close_contact && r.observation)
			key = r.observation.opened ? 'cases.ct.close'
				: r.observation.kept ? 'cases.ct.close.kept' : 'cases.ct.close.extended';
		else if (r.close_contact)
			key = 'cases.ct.close.kept';
		var end = r.observation ? r.observation.end_date : '';
		box.className = 'alert ' + (r.close_contact ? 'alert-warn' : 'alert-ok');
		box.setAttribute('data-close', r.close_contact ? '1' : '0');
		box.setAttribute('data-end', end || '');
		box.textContent = fk.t(key, {name: r.name, date: end ? fk.fmtDate(end) : ''});
		box.hidden = false;
	}

	async function submitContact(ev) {
		ev.preventDefault();
		var form = $('contact-form');
		var box = $('contact-error');
		var s = contactPicker.get();
		if (!s)
			return;
		var body = {
			subject_a: data.subject_id, subject_b: s.id,
			first_date: form.elements.first_date.value, last_date: form.elements.last_date.value,
			setting: form.elements.setting.value,
			protection: form.querySelector('input[name="protection"]:checked').value,
			observation_kind: form.querySelector('input[name="observation_kind"]:checked').value
		};
		if (!body.first_date || !body.last_date) {
			markField(form, body.first_date ? 'last_date' : 'first_date');
			return fk.showMessage(box, 'cases.ct.need_dates');
		}
		if (form.elements.note.value.trim())
			body.note = form.elements.note.value.trim();
		markField(form, null);
		fk.showMessage(box, null);
		var btn = $('contact-submit');
		btn.disabled = true;
		try {
			var r = await fk.send('POST', '/api/v1/exposures', body);
			if (!r.body)
				return failWith(box, r.res, form);
			lastResult = Object.assign({name: s.name}, r.body);
			form.reset();
			contactPicker.reset();
			$('contact-details').open = false;
			renderResult();
			await loadContacts();
			if (lastResult.close_contact && !lastResult.observation) {
				var mine = contacts.filter(function (c) { return c.subject_id === s.id && c.observation_end; })[0];
				if (mine) {
					lastResult.observation = {end_date: mine.observation_end, opened: false, kept: true};
					renderResult();
				}
			}
			$('contact-result').scrollIntoView({block: 'nearest'});
		} catch (e) {
			fk.showMessage(box, 'err.network');
		} finally {
			btn.disabled = false;
		}
	}

	async function simplePost(url, body, box, form) {
		fk.showMessage(box, null);
		try {
			var r = await fk.send('POST', url, body);
			if (!r.body && r.res.status !== 204) {
				await failWith(box, r.res, form);
				return false;
			}
			return true;
		} catch (e) {
			fk.showMessage(box, 'err.network');
			return false;
		}
	}

	function wireCaseForms() {
		$('tr-date').value = fk.today();
		capDates($('case-view'));
		$('other-class-go').addEventListener('click', function () { transition($('other-class-to').value); });
		$('severity-form').addEventListener('submit', async function (ev) {
			ev.preventDefault();
			if (await simplePost('/api/v1/cases/' + caseId + '/severity', {severity: $('severity-to').value},
					     $('severity-error')))
				loadCase();
		});
		$('inv-done').addEventListener('click', async function () {
			if (await simplePost('/api/v1/cases/' + caseId + '/investigation', {}, $('inv-error')))
				loadCase();
		});
		$('lab-form').addEventListener('submit', async function (ev) {
			ev.preventDefault();
			var f = ev.target;
			if (!f.elements.sample_date.value) {
				markField(f, 'sample_date');
				return fk.showMessage($('lab-error'), 'cases.need_date');
			}
			var body = {kind: f.elements.kind.value, sample_date: f.elements.sample_date.value,
				    result: f.querySelector('input[name="result"]:checked').value};
			if (f.elements.result_date.value)
				body.result_date = f.elements.result_date.value;
			if (await simplePost('/api/v1/cases/' + caseId + '/labs', body, $('lab-error'), f)) {
				f.reset();
				$('lab-details').open = false;
				loadCase();
			}
		});
		var cat = {confirmed: 'confirmed', clinical: 'confirmed', asymptomatic: 'confirmed',
			   suspected: 'suspected'};
		$('placement-details').addEventListener('toggle', function () {
			if (!$('placement-details').open || !data)
				return;
			if (cat[data.classification])
				$('pl-category').value = cat[data.classification];
			if (!$('pl-start').value)
				$('pl-start').value = fk.today();
			if (!$('pl-facility').value && data.facility)
				$('pl-facility').value = data.facility;
		});
		$('placement-form').addEventListener('submit', async function (ev) {
			ev.preventDefault();
			var f = ev.target;
			if (!f.elements.start_date.value) {
				markField(f, 'start_date');
				return fk.showMessage($('placement-error'), 'cases.need_date');
			}
			var body = {subject_id: data.subject_id, case_id: data.id, category: f.elements.category.value,
				    place_type: f.elements.place_type.value, start_date: f.elements.start_date.value};
			if (f.elements.facility.value.trim())
				body.facility = f.elements.facility.value.trim();
			if (f.elements.end_date.value)
				body.end_date = f.elements.end_date.value;
			if (await simplePost('/api/v1/placements', body, $('placement-error'), f)) {
				f.reset();
				$('placement-details').open = false;
				loadCase();
			}
		});
		contactPicker = fk.picker($('contact-pick'), 'contact-pick', function (s) {
			$('contact-form').hidden = !s;
			if (s && !$('ct-last').value)
				$('ct-last').value = fk.today();
		});
		$('contact-form').addEventListener('submit', submitContact);
	}

	async function showCase(id) {
		caseId = id;
		if (!official)
			document.querySelectorAll('#case-view .official-only').forEach(function (n) { n.hidden = true; });
		wireCaseForms();
		if (!(await loadCase()))
			return;
		$('case-view').hidden = false;
		loadContacts();
	}

	/* ---- start -------------------------------------------------------- */

	async function load() {
		var session = await fk.start({page: 'cases', roles: ['official', 'office'], errorBox: pageError});
		$('loading').hidden = true;
		if (!session)
			return;
		role = session.user.role;
		official = role === 'official';
		var p = new URLSearchParams(window.location.search);
		var id = p.get('id');
		if (id && /^\d+$/.test(id))
			return showCase(Number(id));
		if (p.get('new'))
			return showNew();
		showList();
	}

	fk.onChange(function () {
		render();
		if (!$('list-view').hidden && $('case-list').children.length)
			loadList(false);
	});
	load();
})();
