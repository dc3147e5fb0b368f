/*
 * i18n.js -- web: the pages' two languages.  Chinese (zh-CN) is the
 * default; the switch to English is kept in localStorage.  This file holds
 * the texts every page uses; a page's script adds its own with
 * fk.extend().  Elements name their text by key:
 *   data-i18n="key"               -> textContent
 *   data-i18n-label="key"         -> aria-label
 *   data-i18n-placeholder="key"   -> placeholder
 *   data-i18n-alt="key"           -> alt (images)
 * Loaded first, with defer, so the document is parsed when it runs.
 * Exposes window.fk: t(), lang(), extend(), onChange(), apply(), apiError(),
 * readError(), showMessage().  app.js adds what signed-in pages share.
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
			'home.report.go': '去上报',
			'home.report.change': '查看或修改今天的上报',
			'home.report.done': '今天已上报',
			'home.report.todo': '今天还没有上报',
			'home.links': '功能',
			'home.link.report': '填报今天的体温和症状',
			'home.link.report.office': '为职工代报',
			'home.link.history.title': '健康码与记录',
			'home.link.history': '我的健康码和近 30 天的上报',
			'home.link.dashboard': '上报率、异常人员、预警处理和导出',
			'home.link.analytics': 'Rt、早期预警、SEIR 预测和发热咳嗽监测',
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
			'wait.minutes': '{n} 分钟',

			'nav.label': '页面',
			'nav.home': '首页',
			'nav.report': '每日上报',
			'nav.history': '健康码',
			'nav.dashboard': '防控看板',
			'nav.cases': '病例',
			'nav.observations': '医学观察',
			'nav.chains': '传播链',
			'nav.risk': '区域风险',
			'nav.rtw': '复工复产',
			'nav.analytics': '疫情分析',
			'nav.back': '返回首页',

			'status.green': '绿色',
			'status.yellow': '黄色',
			'status.red': '红色',
			'status.none': '未上报',
			'status.green.long': '正常',
			'status.yellow.long': '需要关注',
			'status.red.long': '异常',

			'sym.fever': '发热',
			'sym.cough': '咳嗽',
			'sym.fatigue': '乏力',
			'sym.sore_throat': '咽痛',
			'sym.shortness_of_breath': '呼吸困难',
			'sym.diarrhea': '腹泻',
			'sym.loss_of_smell_taste': '嗅觉或味觉减退',
			'sym.other': '其他症状',
			'sym.none': '无症状',

			'loc.home': '家中',
			'loc.workplace': '单位',
			'loc.dormitory': '宿舍',
			'loc.hospital': '医院',
			'loc.travelling': '出行途中',

			'exp.none': '无',
			'exp.suspected_contact': '接触过疑似病例',
			'exp.confirmed_contact': '接触过确诊病例',
			'exp.risk_area_travel': '到过疫情重点地区',

			'rule.red_symptom': '有发热、咳嗽或呼吸困难',
			'rule.fever_persisting': '复测体温仍不低于 37.3 ℃',
			'rule.fever_recheck': '体温不低于 37.3 ℃，需要复测',
			'rule.contact': '有疑似或确诊病例接触史',
			'rule.risk_travel': '有疫情重点地区旅居史',
			'rule.yellow_symptom': '有其他不适症状',
			'rule.family_unwell': '共同生活的家人身体不适',
			'rule.all_normal': '无异常',

			'code.rule.no_abnormal_report': '近期无异常上报',
			'code.rule.red_streak': '红码：连续 {n} 天正常打卡后转绿',
			'code.rule.yellow_streak': '黄码：连续 {n} 天正常打卡后转绿',
			'code.rule.observation': '医学观察期内',
			'code.rule.post_discharge': '出院后 14 天隔离管理',
			'code.rule.case_suspected': '疑似病例',
			'code.rule.case_confirmed': '确诊病例',
			'code.rule.case_clinical': '临床诊断病例',
			'code.rule.case_asymptomatic': '无症状感染者',
			'code.rule.no_case': '无病例记录',

			'cls.new': '新登记',
			'cls.suspected': '疑似病例',
			'cls.confirmed': '确诊病例',
			'cls.clinical': '临床诊断病例',
			'cls.asymptomatic': '无症状感染者',
			'cls.excluded': '已排除',
			'cls.recovered': '治愈出院',
			'cls.died': '死亡',
			'sev.none': '未评估',
			'sev.mild': '轻型',
			'sev.common': '普通型',
			'sev.severe': '重型',
			'sev.critical': '危重型',

			'risk.level.low': '低风险',
			'risk.level.medium': '中风险',
			'risk.level.high': '高风险',
			'risk.level.none': '未评定',

			'place.hubei': '在湖北',
			'place.city': '在本市',
			'place.outside': '在市外',

			'date.today': '今天',
			'date.yesterday': '昨天',
			'date.until': '至 {date}',
			'unit.people': '{n} 人',

			'page.loading': '正在加载…',
			'page.retry': '重试',
			'page.not_for_role': '此页面仅供{roles}使用。',
			'err.invalid': '填写有误：{message}',
			'err.not_found': '没有找到相应的记录。',
			'err.conflict': '与已有记录冲突：{message}',
			'err.session': '登录已过期，请重新登录。'
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
			'home.report.body': 'Record your temperature, symptoms and whereabouts here each day, and see your status for the day and what to do.',
			'home.report.go': 'Report now',
			'home.report.change': 'See or change today’s report',
			'home.report.done': 'Reported today',
			'home.report.todo': 'Not reported yet today',
			'home.links': 'What you can do',
			'home.link.report': 'Today’s temperature and symptoms',
			'home.link.report.office': 'Report for a member of staff',
			'home.link.history.title': 'Health code and history',
			'home.link.history': 'My health code and the last 30 days',
			'home.link.dashboard': 'Reporting rate, people unwell, alerts and exports',
			'home.link.analytics': 'Rt, early warning, SEIR forecasts and fever-and-cough signals',
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
			'wait.minute': '1 minute',

			'nav.label': 'Pages',
			'nav.home': 'Home',
			'nav.report': 'Daily report',
			'nav.history': 'Health code',
			'nav.dashboard': 'Dashboard',
			'nav.cases': 'Cases',
			'nav.observations': 'Observation',
			'nav.chains': 'Chains',
			'nav.risk': 'Area risk',
			'nav.rtw': 'Return to work',
			'nav.analytics': 'Analytics',
			'nav.back': 'Back to home',

			'status.green': 'Green',
			'status.yellow': 'Yellow',
			'status.red': 'Red',
			'status.none': 'Not reported',
			'status.green.long': 'Normal',
			'status.yellow.long': 'Needs attention',
			'status.red.long': 'Abnormal',

			'sym.fever': 'Fever',
			'sym.cough': 'Cough',
			'sym.fatigue': 'Fatigue',
			'sym.sore_throat': 'Sore throat',
			'sym.shortness_of_breath': 'Shortness of breath',
			'sym.diarrhea': 'Diarrhoea',
			'sym.loss_of_smell_taste': 'Loss of smell or taste',
			'sym.other': 'Other symptom',
			'sym.none': 'No symptoms',

			'loc.home': 'At home',
			'loc.workplace': 'At work',
			'loc.dormitory': 'In a dormitory',
			'loc.hospital': 'In hospital',
			'loc.travelling': 'Travelling',

			'exp.none': 'None',
			'exp.suspected_contact': 'Contact with a suspected case',
			'exp.confirmed_contact': 'Contact with a confirmed case',
			'exp.risk_area_travel': 'Been to a high-risk area',

			'rule.red_symptom': 'Fever, cough or shortness of breath',
			'rule.fever_persisting': 'Still 37.3 °C or above when measured again',
			'rule.fever_recheck': '37.3 °C or above: measure again',
			'rule.contact': 'Contact with a suspected or confirmed case',
			'rule.risk_travel': 'Travel to or stay in a high-risk area',
			'rule.yellow_symptom': 'Other symptoms',
			'rule.family_unwell': 'Someone in the household is unwell',
			'rule.all_normal': 'Nothing abnormal',

			'code.rule.no_abnormal_report': 'No abnormal report recently',
			'code.rule.red_streak': 'Red: green after {n} normal check-ins in a row',
			'code.rule.yellow_streak': 'Yellow: green after {n} normal check-ins in a row',
			'code.rule.observation': 'Under medical observation',
			'code.rule.post_discharge': '14 days of isolation after discharge',
			'code.rule.case_suspected': 'Suspected case',
			'code.rule.case_confirmed': 'Confirmed case',
			'code.rule.case_clinical': 'Clinically diagnosed case',
			'code.rule.case_asymptomatic': 'Asymptomatic infection',
			'code.rule.no_case': 'No case record',

			'cls.new': 'New',
			'cls.suspected': 'Suspected',
			'cls.confirmed': 'Confirmed',
			'cls.clinical': 'Clinically diagnosed',
			'cls.asymptomatic': 'Asymptomatic',
			'cls.excluded': 'Excluded',
			'cls.recovered': 'Recovered',
			'cls.died': 'Died',
			'sev.none': 'Not assessed',
			'sev.mild': 'Mild',
			'sev.common': 'Common',
			'sev.severe': 'Severe',
			'sev.critical': 'Critical',

			'risk.level.low': 'Low risk',
			'risk.level.medium': 'Medium risk',
			'risk.level.high': 'High risk',
			'risk.level.none': 'Not graded',

			'place.hubei': 'In Hubei',
			'place.city': 'In the city',
			'place.outside': 'Outside the city',

			'date.today': 'Today',
			'date.yesterday': 'Yesterday',
			'date.until': 'until {date}',
			'unit.people': '{n} people',

			'page.loading': 'Loading…',
			'page.retry': 'Try again',
			'page.not_for_role': 'This page is for {roles} only.',
			'err.invalid': 'Please check the form: {message}',
			'err.not_found': 'Nothing was found.',
			'err.conflict': 'This conflicts with an existing record: {message}',
			'err.session': 'Your session has ended. Please sign in again.'
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
		document.querySelectorAll('[data-i18n-alt]').forEach(function (el) {
			el.setAttribute('alt', t(el.getAttribute('data-i18n-alt')));
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
	 * The error of a failed API response: {status, code, message, field,
	 * body, retryAfter} (code and message "" when the body is not JSON).
	 */
	async function readError(res) {
		var out = {status: res.status, code: '', message: '', field: '', body: null,
			   retryAfter: retryAfterSeconds(res.headers.get('Retry-After'))};
		try {
			out.body = await res.json();
			if (out.body && out.body.error) {
				out.code = out.body.error.code || '';
				out.message = out.body.error.message || '';
				out.field = out.body.error.field || '';
			}
		} catch (e) {
			/* not JSON: the status alone */
		}
		if (!out.message)
			out.message = res.statusText || '';
		return out;
	}

	/*
	 * An error from readError as a function that gives the message in the
	 * current language (so it follows a later switch).  Known error codes
	 * get our own wording; others show the server's.
	 */
	function errorText(err) {
		var code = err.code, status = err.status, message = err.message;
		if (status === 429 || code === 'rate_limited') {
			var secs = err.retryAfter;
			return function () {
				return secs > 0 ? t('err.rate_limited', {wait: waitText(secs)})
						: t('err.rate_limited.soon');
			};
		}
		if (status === 401 || code === 'unauthenticated')
			return function () { return t('err.unauthenticated'); };
		if (code === 'csrf')
			return function () { return t('err.csrf'); };
		if (status === 403)
			return function () { return t('err.forbidden'); };
		if (status === 503 || status === 502 || status === 504)
			return function () { return t('err.unavailable'); };
		if (status === 404 && code === 'not_found')
			return function () { return t('err.not_found'); };
		if (status === 400 && code === 'invalid')
			return function () { return t('err.invalid', {message: message}); };
		if (status === 409)
			return function () { return t('err.conflict', {message: message}); };
		return function () {
			return t('err.other', {status: status, message: message});
		};
	}

	/* readError and errorText in one step. */
	async function apiError(res) {
		return errorText(await readError(res));
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

	/*
	 * Add a page's own texts: {'zh-CN': {...}, en: {...}}.  Keys already
	 * known are replaced.  The page is translated again.
	 */
	function extend(more) {
		Object.keys(more).forEach(function (l) {
			if (!TEXTS[l])
				return;
			Object.keys(more[l]).forEach(function (key) {
				TEXTS[l][key] = more[l][key];
			});
		});
		apply();
	}

	window.fk = {
		t: t,
		lang: function () { return lang; },
		extend: extend,
		onChange: function (fn) { listeners.push(fn); },
		apiError: apiError,
		readError: readError,
		errorText: errorText,
		showMessage: showMessage,
		apply: apply
	};

	apply();
})();
