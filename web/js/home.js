/*
 * home.js -- web: the home page (index.html).  Reads the session from
 * GET /api/v1/session (401: back to the sign-in page), shows who is signed
 * in, and signs out with POST /api/v1/logout carrying the session's CSRF
 * token in X-CSRF-Token.
 */
(function () {
	'use strict';

	var $ = function (id) { return document.getElementById(id); };
	var errorBox = $('home-error');
	var logout = $('logout');
	var session = null;
	var departmentName = '';
	var regionName = '';

	function toLogin() {
		window.location.replace('/login.html');
	}

	async function getJSON(url) {
		var res = await fetch(url, {headers: {'Accept': 'application/json'},
					    credentials: 'same-origin', cache: 'no-store'});
		return {res: res, body: res.ok ? await res.json() : null};
	}

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

	function render() {
		if (!session)
			return;
		var user = session.user || {};
		var locale = fk.lang() === 'en' ? 'en-GB' : 'zh-CN';
		$('today').textContent = new Intl.DateTimeFormat(locale, {
			year: 'numeric', month: 'long', day: 'numeric', weekday: 'long'
		}).format(new Date());
		$('user-name').textContent = user.username || '';
		$('user-role').textContent = user.role ? fk.t('role.' + user.role) : '';
		showFact('fact-org', 'org-name', orgName(session));
		showFact('fact-department', 'department', departmentName);
		showFact('fact-person', 'person-id', user.person_id || '');
		showFact('fact-region', 'region', regionName || user.region_prefix || '');
	}

	/* Department and region names are extras: on any failure, not shown. */
	async function loadNames(user) {
		try {
			if (user.department_id) {
				var d = await getJSON('/api/v1/departments');
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
				var r = await getJSON('/api/v1/regions/' + code);
				if (r.body && r.body.name)
					regionName = r.body.name + ' (' + user.region_prefix + ')';
			}
		} catch (e) {
			/* leave them out */
		}
		render();
	}

	async function load() {
		fk.showMessage(errorBox, null);
		$('retry').hidden = true;
		$('loading').hidden = false;
		var got;
		try {
			got = await getJSON('/api/v1/session');
		} catch (e) {
			return failed('err.network');
		}
		if (got.res.status === 401)
			return toLogin();
		if (!got.res.ok)
			return failed(await fk.apiError(got.res));
		session = got.body;
		$('loading').hidden = true;
		$('content').hidden = false;
		logout.disabled = false;
		render();
		loadNames(session.user || {});
	}

	function failed(what) {
		$('loading').hidden = true;
		fk.showMessage(errorBox, what);
		$('retry').hidden = false;
	}

	logout.addEventListener('click', async function () {
		if (!session)
			return;
		logout.disabled = true;
		logout.setAttribute('data-i18n', 'home.logout.busy');
		logout.textContent = fk.t('home.logout.busy');
		var res;
		try {
			res = await fetch('/api/v1/logout', {
				method: 'POST',
				headers: {'X-CSRF-Token': session.csrf_token || ''},
				credentials: 'same-origin',
				cache: 'no-store'
			});
		} catch (e) {
			res = null;
		}
		/* 401: the session had already ended, which is what we wanted */
		if (res && (res.ok || res.status === 401))
			return toLogin();
		logout.disabled = false;
		logout.setAttribute('data-i18n', 'home.logout');
		logout.textContent = fk.t('home.logout');
		fk.showMessage(errorBox, res ? await fk.apiError(res) : 'err.network');
	});

	$('retry').addEventListener('click', load);
	fk.onChange(render);
	/* coming back with the Back button after signing out: check again */
	window.addEventListener('pageshow', function (ev) {
		if (ev.persisted)
			load();
	});
	load();
})();
