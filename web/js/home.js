/*
 * home.js -- web: the home page (index.html).  Reads the session through
 * fk.start (app.js; 401: back to the sign-in page), shows who is signed in,
 * and the pages the role may open: staff report and see their history
 * (with today's status, from GET /api/v1/people/{id}/history?days=1), the
 * department head and the office open the dashboard, the office may also
 * report on someone's behalf.  Everyone can sign out (app.js).
 */
(function () {
	'use strict';

	var $ = function (id) { return document.getElementById(id); };
	var errorBox = $('home-error');
	var session = null;
	var departmentName = '';
	var regionName = '';
	var today = null;        /* staff: {reported, status} */

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
		if (role === 'office')
			$('link-report-sub').setAttribute('data-i18n', 'home.link.report.office');
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
		if (user.role === 'staff' && user.person_id)
			loadToday(user);
	}

	$('retry').addEventListener('click', load);
	fk.onChange(render);
	load();
})();
