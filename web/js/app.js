/*
 * app.js -- web: what the signed-in pages share.  Loaded after i18n.js and
 * before the page's own script (all with defer).  Adds to window.fk:
 *
 *   fk.start(opts)    read the session (GET /api/v1/session; 401: to the
 *                     sign-in page), fill the navigation by role, wire the
 *                     sign-out button; resolves with the session, or null
 *                     when the page is not for this role (a message says so)
 *   fk.get(url)       GET JSON -> {res, body}; body null unless 2xx
 *   fk.send(m, url, b) POST/PUT/DELETE JSON with the session's CSRF token
 *   fk.el(tag, props, children)   build an element (text, never HTML)
 *   fk.live(node, fn) node's text from fn(), redone when the language changes
 *   fk.today(), fk.addDays(), fk.daysBetween(), fk.fmtDate(), fk.fmtTime()
 *                     dates in China Standard Time, as "YYYY-MM-DD" strings
 *   fk.text(v)        a {zh, en} object from the server in the current
 *                     language (a plain string as it is)
 *   fk.region(code), fk.regionName(code)   GB/T 2260 look-ups, cached
 *   fk.pagesFor(role) the pages a role may open (the home page's links)
 *
 * Every request sends credentials: the session cookie (HttpOnly) signs us
 * in, and POST/PUT/DELETE carry X-CSRF-Token from the session.
 */
(function () {
	'use strict';

	var fk = window.fk;
	var session = null;

	/* ---- requests ------------------------------------------------------ */

	function toLogin() {
		window.location.replace('/login.html');
	}

	async function get(url) {
		var res = await fetch(url, {headers: {'Accept': 'application/json'},
					    credentials: 'same-origin', cache: 'no-store'});
		if (res.status === 401) {
			toLogin();
			throw new Error('signed out');
		}
		var body = null;
		if (res.ok) {
			try {
				body = await res.json();
			} catch (e) {
				body = null;
			}
		}
		return {res: res, body: body};
	}

	async function send(method, url, data) {
		var headers = {'Accept': 'application/json',
			       'X-CSRF-Token': (session && session.csrf_token) || ''};
		var init = {method: method, headers: headers, credentials: 'same-origin', cache: 'no-store'};
		if (data !== undefined) {
			headers['Content-Type'] = 'application/json';
			init.body = JSON.stringify(data);
		}
		var res = await fetch(url, init);
		if (res.status === 401) {
			toLogin();
			throw new Error('signed out');
		}
		var body = null;
		if (res.ok && res.status !== 204) {
			try {
				body = await res.json();
			} catch (e) {
				body = null;
			}
		}
		return {res: res, body: body};
	}

	/* ---- elements ------------------------------------------------------ */

	/*
	 * el('li', {className: 'x', 'data-code': 'y', text: '...'}, [children])
	 * Properties named like attributes (with a dash, or aria/role/for/href)
	 * are set as attributes, the rest as properties; text is textContent.
	 * Never innerHTML: what the server sends is shown as text.
	 */
	function el(tag, props, children) {
		var svg = tag.indexOf('svg:') === 0;
		var node = svg ? document.createElementNS('http://www.w3.org/2000/svg', tag.slice(4))
			: document.createElement(tag);
		Object.keys(props || {}).forEach(function (k) {
			var v = props[k];
			if (v === undefined || v === null || v === false)
				return;
			if (k === 'text')
				node.textContent = String(v);
			else if (k === 'i18n') {
				node.setAttribute('data-i18n', v);
				node.textContent = fk.t(v);
			} else if (svg || k.indexOf('-') >= 0 || k === 'role' || k === 'for' || k === 'href'
				 || k === 'type' || k === 'name' || k === 'scope')
				node.setAttribute(k, v === true ? '' : String(v));
			else
				node[k] = v;
		});
		(children || []).forEach(function (c) {
			if (c !== null && c !== undefined && c !== false)
				node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
		});
		return node;
	}

	/*
	 * Set node's text to fn() now and again whenever the language changes
	 * (while the node is in the page).  For texts built by a script that
	 * data-i18n cannot name: a date, a server's {zh, en}, a count.
	 */
	var lives = [];

	function live(node, fn) {
		node.textContent = fn();
		lives.push({node: node, fn: fn});
		return node;
	}

	fk.onChange(function () {
		lives = lives.filter(function (l) { return l.node.isConnected; });
		lives.forEach(function (l) { l.node.textContent = l.fn(); });
	});

	function clear(node) {
		while (node.firstChild)
			node.removeChild(node.firstChild);
	}

	/* ---- dates (China Standard Time) ----------------------------------- */

	var cstDay = new Intl.DateTimeFormat('en-CA', {
		timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit'
	});

	/* Today in China Standard Time, "YYYY-MM-DD". */
	function today() {
		var parts = {};
		cstDay.formatToParts(new Date()).forEach(function (p) { parts[p.type] = p.value; });
		return parts.year + '-' + parts.month + '-' + parts.day;
	}

	function dayToUTC(day) {
		var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(day || ''));
		return m ? Date.UTC(+m[1], +m[2] - 1, +m[3]) : NaN;
	}

	function addDays(day, n) {
		var t = dayToUTC(day);
		if (isNaN(t))
			return '';
		return new Date(t + n * 86400000).toISOString().slice(0, 10);
	}

	/* Days from day a to day b ("YYYY-MM-DD"); NaN if either is not a date. */
	function daysBetween(a, b) {
		return Math.round((dayToUTC(b) - dayToUTC(a)) / 86400000);
	}

	function locale() {
		return fk.lang() === 'en' ? 'en-GB' : 'zh-CN';
	}

	/* "2020年2月10日" / "10 Feb 2020"; opts override the parts shown. */
	function fmtDate(day, opts) {
		var t = dayToUTC(day);
		if (isNaN(t))
			return String(day || '');
		var o = Object.assign({timeZone: 'UTC', year: 'numeric', month: fk.lang() === 'en' ? 'short' : 'long',
				       day: 'numeric'}, opts || {});
		return new Intl.DateTimeFormat(locale(), o).format(new Date(t));
	}

	/* A Unix time (seconds) or an ISO string as a local time in CST. */
	function fmtTime(when) {
		if (when === null || when === undefined || when === '' || when === 0)
			return '';
		var d = typeof when === 'number' ? new Date(when * 1000) : new Date(when);
		if (isNaN(d.getTime()))
			return String(when);
		return new Intl.DateTimeFormat(locale(), {
			timeZone: 'Asia/Shanghai', month: 'short', day: 'numeric',
			hour: '2-digit', minute: '2-digit', hour12: false
		}).format(d);
	}

	/* ---- server texts ------------------------------------------------- */

	function text(v) {
		if (v === null || v === undefined)
			return '';
		if (typeof v === 'object')
			return (fk.lang() === 'en' ? (v.en || v.zh) : (v.zh || v.en)) || '';
		return String(v);
	}

	/* ---- regions (GB/T 2260 codes) ------------------------------------ */

	var regionCache = {};

	/* {code, name, level, parent_code} of a 6-digit code, or null. */
	function region(code) {
		code = String(code || '');
		if (!/^\d{6}$/.test(code))
			return Promise.resolve(null);
		if (!regionCache[code])
			regionCache[code] = get('/api/v1/regions/' + code).then(function (g) {
				if (!g.body && g.res.status !== 404)
					delete regionCache[code];   /* a passing fault: ask again next time */
				return g.body;
			}, function () {
				delete regionCache[code];
				return null;
			});
		return regionCache[code];
	}

	/*
	 * The full name of a code, province first ("湖北省 武汉市 江岸区"),
	 * leaving out the lists' placeholders ("市辖区"); null if unknown.
	 */
	async function regionName(code) {
		var names = [];
		var c = String(code || '');
		for (var depth = 0; c && depth < 3; depth++) {
			var r = await region(c);
			if (!r)
				break;
			if (!/^(市辖区|县|省直辖县级行政区划|自治区直辖县级行政区划)$/.test(r.name))
				names.unshift(r.name);
			c = r.parent_code;
		}
		return names.length ? names.join(' ') : null;
	}

	/*
	 * Offer the regions matching what is typed into input (part of a
	 * name, or the start of a code) as the options of the datalist list:
	 * each option's value is the code, its label "湖北省 宜昌市".
	 */
	function suggestRegions(input, list) {
		var seq = 0;
		var timer = 0;
		input.addEventListener('input', function () {
			var q = input.value.trim();
			clearTimeout(timer);
			if (!q || /^\d{6}$/.test(q))
				return;
			timer = setTimeout(async function () {
				var my = ++seq;
				var items = [];
				try {
					var g = await get('/api/v1/regions?q=' + encodeURIComponent(q) + '&limit=20');
					items = (g.body && g.body.items) || [];
				} catch (e) {
					items = [];
				}
				if (my !== seq)
					return;
				clear(list);
				items.forEach(function (x) {
					list.appendChild(el('option', {value: x.code,
						label: (x.parent_name ? x.parent_name + ' ' : '') + x.name}));
				});
			}, 150);
		});
	}

	/* ---- page frame: navigation and sign-out -------------------------- */

	var NAV = [
		{page: 'home', href: '/', key: 'nav.home', roles: null},
		{page: 'report', href: '/report.html', key: 'nav.report', roles: ['staff', 'office']},
		{page: 'history', href: '/history.html', key: 'nav.history', roles: ['staff']},
		{page: 'dashboard', href: '/dashboard.html', key: 'nav.dashboard', roles: ['dept_head', 'office']},
		{page: 'cases', href: '/cases.html', key: 'nav.cases', roles: ['official', 'office']},
		{page: 'observations', href: '/observations.html', key: 'nav.observations',
		 roles: ['official', 'office']},
		{page: 'chains', href: '/chains.html', key: 'nav.chains', roles: ['official', 'office', 'analyst']},
		{page: 'risk', href: '/risk.html', key: 'nav.risk',
		 roles: ['staff', 'dept_head', 'office', 'official', 'analyst', 'admin']},
		{page: 'rtw', href: '/rtw.html', key: 'nav.rtw', roles: ['dept_head', 'office']},
		{page: 'analytics', href: '/analytics.html', key: 'nav.analytics',
		 roles: ['dept_head', 'office', 'official', 'analyst']}
	];

	/* Pages a role may open (besides home), for the navigation and the home page. */
	function pagesFor(role) {
		return NAV.filter(function (n) {
			return n.roles && n.roles.indexOf(role) >= 0;
		});
	}

	function fillNav(role, current) {
		var nav = document.getElementById('nav');
		if (!nav)
			return;
		var list = nav.querySelector('ul');
		clear(list);
		NAV.forEach(function (n) {
			if (n.roles && n.roles.indexOf(role) < 0)
				return;
			var a = el('a', {href: n.href, i18n: n.key, className: 'nav-link'});
			if (n.page === current)
				a.setAttribute('aria-current', 'page');
			list.appendChild(el('li', {}, [a]));
		});
		nav.hidden = false;
	}

	var logoutWired = false;

	function wireLogout(errorBox) {
		var btn = document.getElementById('logout');
		if (!btn)
			return;
		btn.disabled = false;
		if (logoutWired)
			return;
		logoutWired = true;
		btn.addEventListener('click', async function () {
			btn.disabled = true;
			btn.setAttribute('data-i18n', 'home.logout.busy');
			btn.textContent = fk.t('home.logout.busy');
			var res = null;
			try {
				res = await fetch('/api/v1/logout', {
					method: 'POST',
					headers: {'X-CSRF-Token': (session && session.csrf_token) || ''},
					credentials: 'same-origin',
					cache: 'no-store'
				});
			} catch (e) {
				res = null;
			}
			/* 401: the session had already ended, which is what we wanted */
			if (res && (res.ok || res.status === 401))
				return toLogin();
			btn.disabled = false;
			btn.setAttribute('data-i18n', 'home.logout');
			btn.textContent = fk.t('home.logout');
			if (errorBox)
				fk.showMessage(errorBox, res ? await fk.apiError(res) : 'err.network');
		});
	}

	/*
	 * Start a signed-in page.  opts: {page: 'report', roles: [...] or null,
	 * errorBox: element}.  Resolves with the session, or null when the page
	 * could not start (the reason is shown in errorBox).
	 */
	async function start(opts) {
		var box = opts.errorBox;
		var got;
		try {
			got = await get('/api/v1/session');
		} catch (e) {
			if (box)
				fk.showMessage(box, 'err.network');
			return null;
		}
		if (!got.res.ok) {
			if (box)
				fk.showMessage(box, await fk.apiError(got.res));
			return null;
		}
		session = got.body;
		var role = (session.user && session.user.role) || '';
		fillNav(role, opts.page);
		wireLogout(box);
		if (opts.roles && opts.roles.indexOf(role) < 0) {
			var roles = opts.roles;
			if (box)
				fk.showMessage(box, function () {
					return fk.t('page.not_for_role', {
						roles: roles.map(function (r) { return fk.t('role.' + r); })
							.join(fk.lang() === 'en' ? ' and ' : '、')
					});
				});
			return null;
		}
		return session;
	}

	/* Come back with the Back button after signing out: check again. */
	window.addEventListener('pageshow', function (ev) {
		if (ev.persisted)
			window.location.reload();
	});

	Object.assign(fk, {
		start: start,
		session: function () { return session; },
		pagesFor: pagesFor,
		get: get,
		send: send,
		el: el,
		live: live,
		clear: clear,
		today: today,
		addDays: addDays,
		daysBetween: daysBetween,
		fmtDate: fmtDate,
		fmtTime: fmtTime,
		text: text,
		region: region,
		regionName: regionName,
		suggestRegions: suggestRegions,
		toLogin: toLogin
	});
})();
