/*
 * home.js -- web: the home page (index.html).  Reads the session through
 * fk.start (app.js; 401: back to the sign-in page), shows who is signed in,
 * and the pages the role may open: staff report and see their history
 * (with today's status, from GET /api/v1/people/{id}/history?days=1), the
 * department head and the office open the dashboard, the office may also
 * report on someone's behalf.  Officials and the office open cases and
 * medical observation, they and analysts the transmission chains.  Every
 * role sees the area risk levels; the department head and the office also
 * the return to work.  Staff under medical observation see it here, with
 * today's two follow-ups (GET /api/v1/observations, then
 * /observations/{id}).  Everyone can sign out (app.js).
 */
(function () {
	'use strict';

	fk.extend({
		'zh-CN': {
			'home.link.cases': '登记病例、分类变更、密切接触者',
			'home.link.cases.office': '本单位人员的病例（只读）',
			'home.link.observations': '今日解除名单、随访、待复核',
			'home.link.chains': '病例之间的传播关系和指标',
			'home.link.risk': '各地低、中、高风险等级和应急响应级别',
			'home.link.rtw': '今天谁可以到岗、复工方案和审批',
			'home.obs.title': '我的医学观察',
			'home.obs.until': '观察至 {date}，还有 {n} 天',
			'home.obs.until.today': '观察至 {date}，今天可以解除',
			'home.obs.body': '观察期间请每天早晚各测一次体温并填写随访。每日健康上报也会记入当时的随访。',
			'home.obs.go': '填写随访',
			'home.obs.am': '今天上午',
			'home.obs.pm': '今天下午',
			'home.obs.filled': '已填 {t} ℃',
			'home.obs.todo': '待填写',
			'home.obs.missed': '前几天有 {n} 次随访未填写'
		},
		en: {
			'home.link.cases': 'Register cases, reclassify, close contacts',
			'home.link.cases.office': 'Cases among our own people (read only)',
			'home.link.observations': 'Today’s releases, follow-ups, reviews',
			'home.link.chains': 'Who infected whom, and the indicators',
			'home.link.risk': 'Low, medium and high-risk areas, and the response levels',
			'home.link.rtw': 'Who may come in today, resumption plans and approval',
			'home.obs.title': 'My medical observation',
			'home.obs.until': 'Until {date}, {n} days to go',
			'home.obs.until.today': 'Until {date}: you can be released today',
			'home.obs.body': 'Take your temperature every morning and evening and fill in the follow-up. Your daily health report also counts for the follow-up of that time of day.',
			'home.obs.go': 'Fill in a follow-up',
			'home.obs.am': 'This morning',
			'home.obs.pm': 'This afternoon',
			'home.obs.filled': 'filled: {t} °C',
			'home.obs.todo': 'to fill in',
			'home.obs.missed': '{n} earlier follow-ups were not filled in'
		}
	});

	var $ = function (id) { return document.getElementById(id); };
	var errorBox = $('home-error');
	var session = null;
	var departmentName = '';
	var regionName = '';
	var today = null;        /* staff: {reported, status} */
	var myObs = null;        /* staff: their open observation, with follow-ups */

	function showFact(id, valueId, value) {
		$(id).hidden = !value;
		$(valueId).textContent = value || '';
	}

	/* The organisation's name in the current language, if the server gives one. */
	function orgName(s) {
		var zh = s.org_name || (s.org && s.org.name) || '';
		var en = s.org_name_en || (s.org && s.org.name_en) || '';
		return fk.lang() === 'en' ? (en || zh) : (zh || en);
	}

	function renderToday() {
		var line = $('today-status');
		if (!today) {
			line.hidden = true;
			return;
		}
		var pill = $('today-pill');
		pill.className = 'pill pill-' + (today.reported ? today.status : 'none');
		pill.textContent = today.reported ? fk.t('status.' + today.status) : fk.t('home.report.todo');
		$('today-text').textContent = today.reported ? fk.t('home.report.done') : '';
		line.hidden = false;
		var go = $('report-link');
		go.setAttribute('data-i18n', today.reported ? 'home.report.change' : 'home.report.go');
		go.textContent = fk.t(go.getAttribute('data-i18n'));
	}

	function render() {
		if (!session)
			return;
		var user = session.user || {};
		var locale = fk.lang() === 'en' ? 'en-GB' : 'zh-CN';
		$('today').textContent = new Intl.DateTimeFormat(locale, {
			year: 'numeric', month: 'long', day: 'numeric', weekday: 'long', timeZone: 'Asia/Shanghai'
		}).format(new Date());
		$('user-name').textContent = user.username || '';
		$('user-role').textContent = user.role ? fk.t('role.' + user.role) : '';
		showFact('fact-org', 'org-name', orgName(session));
		showFact('fact-department', 'department', departmentName);
		showFact('fact-person', 'person-id', user.person_id || '');
		showFact('fact-region', 'region', regionName || user.region_prefix || '');
		renderToday();
		renderObservation();
	}

	/* Staff under medical observation: until when, and today's two follow-ups. */
	function renderObservation() {
		var card = $('obs-card');
		if (!myObs) {
			card.hidden = true;
			return;
		}
		var o = myObs;
		var now = fk.today();
		$('obs-until').textContent = o.days_left > 0
			? fk.t('home.obs.until', {date: fk.fmtDate(o.end_date), n: o.days_left})
			: fk.t('home.obs.until.today', {date: fk.fmtDate(o.end_date)});
		var list = $('obs-slots');
		fk.clear(list);
		var missed = 0;
		(o.followups || []).forEach(function (f) {
			if (f.missed)
				missed++;
			if (f.date !== now)
				return;
			var done = f.filled_at !== null && f.filled_at !== undefined;
			list.appendChild(fk.el('li', {className: 'slot-item', 'data-slot': f.slot,
						      'data-state': done ? 'filled' : 'todo'}, [
				fk.el('span', {className: 'slot-name', text: fk.t('home.obs.' + f.slot)}),
				fk.el('span', {className: 'pill ' + (done ? 'pill-green' : 'pill-none'),
					      text: done ? fk.t('home.obs.filled', {t: Number(f.temperature_c).toFixed(1)})
						: fk.t('home.obs.todo')})
			]));
		});
		if (missed)
			list.appendChild(fk.el('li', {className: 'slot-item slot-missed', 'data-state': 'missed',
						      text: fk.t('home.obs.missed', {n: missed})}));
		$('obs-link').href = '/observations.html?id=' + encodeURIComponent(o.id);
		card.hidden = false;
	}

	/* Show the report card and the links this role may use. */
	function showLinks(role) {
		var any = false;
		document.querySelectorAll('#links [data-roles]').forEach(function (li) {
			var on = li.getAttribute('data-roles').split(' ').indexOf(role) >= 0;
			li.hidden = !on;
			any = any || on;
		});
		$('links').hidden = !any;
		$('report-card').hidden = role !== 'staff';
		if (role === 'office') {
			$('link-report-sub').setAttribute('data-i18n', 'home.link.report.office');
			$('link-cases-sub').setAttribute('data-i18n', 'home.link.cases.office');
		}
		fk.apply();
	}

	/* Department and region names are extras: on any failure, not shown. */
	async function loadNames(user) {
		try {
			if (user.department_id) {
				var d = await fk.get('/api/v1/departments');
				var names = {};
				((d.body && d.body.items) || []).forEach(function (dep) {
					names[dep.id] = dep;
				});
				var mine = names[user.department_id];
				/* path is ids from the root, "/2/3/": show "科研一部 / 病原学研究组" */
				if (mine)
					departmentName = String(mine.path || '').split('/').filter(Boolean)
						.map(function (id) { return names[id] ? names[id].name : ''; })
						.filter(Boolean).join(' / ') || mine.name;
			}
			if (user.region_prefix && /^\d{2,6}$/.test(user.region_prefix)) {
				var code = (user.region_prefix + '000000').slice(0, 6);
				var r = await fk.region(code);
				if (r && r.name)
					regionName = r.name + ' (' + user.region_prefix + ')';
			}
		} catch (e) {
			/* leave them out */
		}
		render();
	}

	/* Staff: whether today is reported, and its colour.  An extra too. */
	async function loadToday(user) {
		try {
			var h = await fk.get('/api/v1/people/' + encodeURIComponent(user.person_id) + '/history?days=1');
			if (h.body) {
				var mine = (h.body.items || []).filter(function (r) { return r.date === fk.today(); });
				today = mine.length ? {reported: true, status: mine[mine.length - 1].status}
					: {reported: false};
			}
		} catch (e) {
			/* not shown */
		}
		render();
	}

	/* Staff: their open medical observation, if any (GET /api/v1/observations
	 * gives staff their own).  An extra: on any failure, not shown. */
	async function loadObservation() {
		try {
			var l = await fk.get('/api/v1/observations?status=open');
			var first = l.body && (l.body.items || [])[0];
			if (first) {
				var d = await fk.get('/api/v1/observations/' + encodeURIComponent(first.id));
				myObs = d.body || first;
			}
		} catch (e) {
			/* not shown */
		}
		render();
	}

	async function load() {
		fk.showMessage(errorBox, null);
		$('retry').hidden = true;
		$('loading').hidden = false;
		session = await fk.start({page: 'home', roles: null, errorBox: errorBox});
		$('loading').hidden = true;
		if (!session) {
			$('retry').hidden = false;
			return;
		}
		$('content').hidden = false;
		var user = session.user || {};
		showLinks(user.role);
		render();
		loadNames(user);
		if (user.role === 'staff' && user.person_id) {
			loadToday(user);
			loadObservation();
		}
	}

	$('retry').addEventListener('click', load);
	fk.onChange(render);
	load();
})();
