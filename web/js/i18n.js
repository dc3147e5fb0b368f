/*
 * i18n.js -- web: the pages' two languages and what login.js and home.js
 * share.  Chinese (zh-CN) is the default; the switch to English is kept in
 * localStorage.  Elements name their text by key:
 *   data-i18n="key"               -> textContent
 *   data-i18n-label="key"         -> aria-label
 *   data-i18n-placeholder="key"   -> placeholder
 * Loaded first, with defer, so the document is parsed when it runs.
 * Exposes window.fk: t(), lang(), onChange(), apiError(), showMessage().
 */
(function () {
	'use strict';

	var STORE_KEY = 'fangkong.lang';

	var TEXTS = {
		'zh-CN': {
			'app.name': '防控',
			'app.tagline': '疫情防控信息系统',
			'lang.other': 'English',
			'lang.switch': 'Switch to English',
			'footer.text': '防控 Fangkong · 疫情防控信息系统',

			'login.doctitle': '登录 · 防控',
			'login.heading': '登录',
			'login.intro': '请使用本单位分配的账号登录。',
			'login.username': '用户名',
			'login.password': '密码',
			'login.show': '显示',
			'login.hide': '隐藏',
			'login.show.label': '显示密码',
			'login.hide.label': '隐藏密码',
			'login.submit': '登录',
			'login.busy': '正在登录…',
			'login.help': '忘记密码或无法登录，请联系本单位防控办公室或系统管理员。',
			'login.privacy': '您填报的健康信息仅用于疫情防控，依法保护个人隐私。',

			'home.doctitle': '首页 · 防控',
			'home.loading': '正在加载…',
			'home.hello': '您好，',
			'home.role': '角色',
			'home.org': '单位',
			'home.person': '人员编号',
			'home.department': '部门',
			'home.region': '管辖地区',
			'home.logout': '退出登录',
			'home.logout.busy': '正在退出…',
			'home.report.title': '每日健康上报',
			'home.report.body': '每天在这里填报体温、症状和所在地，系统会告诉您当天的健康状态和需要做什么。',
			'home.report.soon': '即将开放',
			'home.tips.title': '防护提示',
			'home.tips.1': '每天测量体温。体温 ≥ 37.3 ℃ 或出现咳嗽、乏力等症状，请及时报告并就医。',
			'home.tips.2': '外出佩戴口罩，勤洗手，与他人保持 1 米以上距离。',
			'home.tips.3': '减少聚集，尽量避免前往人员密集、通风不良的场所。',
			'home.retry': '重试',

			'role.staff': '职工',
			'role.dept_head': '部门负责人',
			'role.office': '防控办公室',
			'role.official': '卫生健康部门',
			'role.analyst': '数据分析人员',
			'role.admin': '系统管理员',

			'err.username': '请输入用户名。',
			'err.password': '请输入密码。',
			'err.unauthenticated': '用户名或密码不正确。',
			'err.rate_limited': '登录失败次数过多，请 {wait}后再试。',
			'err.rate_limited.soon': '登录失败次数过多，请稍后再试。',
			'err.csrf': '页面已过期，请刷新后重试。',
			'err.forbidden': '您没有执行此操作的权限。',
			'err.unavailable': '服务器暂时不可用，请稍后再试。',
			'err.network': '无法连接服务器，请检查网络后重试。',
			'err.other': '操作未成功（{status}）：{message}',
			'wait.seconds': '{n} 秒',
			'wait.minutes': '{n} 分钟'
		},
		en: {
			'app.name': 'Fangkong',
			'app.tagline': 'Epidemic prevention and control',
			'lang.other': '中文',
			'lang.switch': '切换到中文',
			'footer.text': 'Fangkong (防控) · Epidemic prevention and control',

			'login.doctitle': 'Sign in · Fangkong',
			'login.heading': 'Sign in',
			'login.intro': 'Use the account your organisation gave you.',
			'login.username': 'Username',
			'login.password': 'Password',
			'login.show': 'Show',
			'login.hide': 'Hide',
			'login.show.label': 'Show password',
			'login.hide.label': 'Hide password',
			'login.submit': 'Sign in',
			'login.busy': 'Signing in…',
			'login.help': 'Forgot your password or cannot sign in? Contact your epidemic office or the system administrator.',
			'login.privacy': 'The health information you report is used only for epidemic control, and your privacy is protected by law.',

			'home.doctitle': 'Home · Fangkong',
			'home.loading': 'Loading…',
			'home.hello': 'Hello, ',
			'home.role': 'Role',
			'home.org': 'Organisation',
			'home.person': 'Person ID',
			'home.department': 'Department',
			'home.region': 'Jurisdiction',
			'home.logout': 'Sign out',
			'home.logout.busy': 'Signing out…',
			'home.report.title': 'Daily health report',
			'home.report.body': 'Each day you will record your temperature, symptoms and whereabouts here, and see your status for the day and what to do.',
			'home.report.soon': 'Coming soon',
			'home.tips.title': 'Staying safe',
			'home.tips.1': 'Take your temperature every day. At 37.3 °C or above, or with a cough or fatigue, report it and see a doctor.',
			'home.tips.2': 'Wear a mask when you go out, wash your hands often, and keep at least 1 metre from others.',
			'home.tips.3': 'Avoid gatherings and crowded, poorly ventilated places.',
			'home.retry': 'Try again',

			'role.staff': 'Staff member',
			'role.dept_head': 'Department head',
			'role.office': 'Epidemic office',
			'role.official': 'Health official',
			'role.analyst': 'Analyst',
			'role.admin': 'Administrator',

			'err.username': 'Please enter your username.',
			'err.password': 'Please enter your password.',
			'err.unauthenticated': 'Wrong username or password.',
			'err.rate_limited': 'Too many failed sign-ins. Please try again in {wait}.',
			'err.rate_limited.soon': 'Too many failed sign-ins. Please try again later.',
			'err.csrf': 'This page has expired. Please reload it and try again.',
			'err.forbidden': 'You are not allowed to do this.',
			'err.unavailable': 'The server is busy. Please try again later.',
			'err.network': 'Cannot reach the server. Check your connection and try again.',
			'err.other': 'That did not work ({status}): {message}',
			'wait.seconds': '{n} seconds',
			'wait.second': '1 second',
			'wait.minutes': '{n} minutes',
			'wait.minute': '1 minute'
		}
	};

	var lang = 'zh-CN';
	var listeners = [];

	try {
		if (window.localStorage.getItem(STORE_KEY) === 'en')
			lang = 'en';
	} catch (e) {
		/* storage blocked: stay with the default */
	}

	/* The text for key in the current language, with {name} filled in. */
	function t(key, params) {
		var s = TEXTS[lang][key];
		if (s === undefined)
			s = TEXTS['zh-CN'][key];
		if (s === undefined)
			return key;
		return s.replace(/\{(\w+)\}/g, function (whole, name) {
			return params && name in params ? String(params[name]) : whole;
		});
	}

	function apply() {
		var root = document.documentElement;
		root.lang = lang;
		document.querySelectorAll('[data-i18n]').forEach(function (el) {
			el.textContent = t(el.getAttribute('data-i18n'));
		});
		document.querySelectorAll('[data-i18n-label]').forEach(function (el) {
			el.setAttribute('aria-label', t(el.getAttribute('data-i18n-label')));
		});
		document.querySelectorAll('[data-i18n-placeholder]').forEach(function (el) {
			el.setAttribute('placeholder', t(el.getAttribute('data-i18n-placeholder')));
		});
		document.querySelectorAll('[data-lang-switch]').forEach(function (el) {
			el.lang = lang === 'en' ? 'zh-CN' : 'en';
		});
		listeners.forEach(function (fn) { fn(lang); });
	}

	function setLang(next) {
		lang = next === 'en' ? 'en' : 'zh-CN';
		try {
			window.localStorage.setItem(STORE_KEY, lang);
		} catch (e) {
			/* not remembered, still switched */
		}
		apply();
	}

	/* "3 分钟" / "3 minutes" for a wait of secs seconds. */
	function waitText(secs) {
		if (secs < 60)
			return secs === 1 && lang === 'en' ? t('wait.second') : t('wait.seconds', {n: secs});
		var min = Math.ceil(secs / 60);
		return min === 1 && lang === 'en' ? t('wait.minute') : t('wait.minutes', {n: min});
	}

	/* Seconds from a Retry-After header (delta-seconds or an HTTP date). */
	function retryAfterSeconds(value) {
		if (!value)
			return 0;
		if (/^\s*\d+\s*$/.test(value))
			return parseInt(value, 10);
		var when = Date.parse(value);
		return isNaN(when) ? 0 : Math.max(1, Math.ceil((when - Date.now()) / 1000));
	}

	/*
	 * What went wrong with a failed API response, as a function that gives
	 * the message in the current language (so it follows a later switch).
	 * Known error codes get our own wording; others show the server's.
	 */
	async function apiError(res) {
		var code = '', message = '';
		try {
			var body = await res.json();
			if (body && body.error) {
				code = body.error.code || '';
				message = body.error.message || '';
			}
		} catch (e) {
			/* not JSON: the status alone */
		}
		if (res.status === 429 || code === 'rate_limited') {
			var secs = retryAfterSeconds(res.headers.get('Retry-After'));
			return function () {
				return secs > 0 ? t('err.rate_limited', {wait: waitText(secs)})
						: t('err.rate_limited.soon');
			};
		}
		if (res.status === 401 || code === 'unauthenticated')
			return function () { return t('err.unauthenticated'); };
		if (code === 'csrf')
			return function () { return t('err.csrf'); };
		if (res.status === 403)
			return function () { return t('err.forbidden'); };
		if (res.status === 503 || res.status === 502 || res.status === 504)
			return function () { return t('err.unavailable'); };
		return function () {
			return t('err.other', {status: res.status, message: message || res.statusText});
		};
	}

	/*
	 * Show a message (a function from apiError, or a text key) in the
	 * element box, or hide the box when what is null.  The text is redone
	 * when the language changes.
	 */
	function showMessage(box, what) {
		box._fkMessage = what;
		if (!what) {
			box.textContent = '';
			box.hidden = true;
			return;
		}
		box.textContent = typeof what === 'function' ? what() : t(what);
		box.hidden = false;
	}

	listeners.push(function () {
		document.querySelectorAll('[data-message]').forEach(function (box) {
			if (box._fkMessage)
				showMessage(box, box._fkMessage);
		});
	});

	document.querySelectorAll('[data-lang-switch]').forEach(function (el) {
		el.addEventListener('click', function () {
			setLang(lang === 'en' ? 'zh-CN' : 'en');
		});
	});

	window.fk = {
		t: t,
		lang: function () { return lang; },
		onChange: function (fn) { listeners.push(fn); },
		apiError: apiError,
		showMessage: showMessage,
		apply: apply
	};

	apply();
})();
