/*
 * dashboard.js -- web: the department head's and the office's dashboard
 * (dashboard.html) for one day, chosen with a date picker (?date=, default
 * today in CST).  Each part loads on its own and shows its own error:
 *
 *   counts, departments, places, 30-day trend   GET /api/v1/dashboard?date=
 *   open alerts (any day) and the day's alerts   GET /api/v1/alerts?open=1,
 *                                                GET /api/v1/alerts?date=
 *     acknowledged with POST /api/v1/alerts/{id}/ack
 *   the unwell (red, then yellow)                GET /api/v1/reports?date=&status=
 *   data-quality flags                           GET /api/v1/reports?date=&flagged=1
 *   non-reporters, a page at a time              GET /api/v1/missing?date=
 *   exports (links)                              GET /api/v1/exports/daily?...
 *
 * The trend is an ECharts chart (/vendor/echarts.min.js): stacked bars of
 * green, yellow and red per day, and a line of the reporting rate.  Its
 * tooltip is drawn in the canvas (renderMode richText): the HTML tooltip
 * would need inline styles, which the Content-Security-Policy refuses.
 * Without ECharts the same numbers are shown as a table.
 */
(function () {
	'use strict';

	fk.extend({
		'zh-CN': {
			'dash.doctitle': '防控看板 · 防控',
			'dash.title': '防控看板',
			'dash.date': '日期',
			'dash.prev': '前一天',
			'dash.next': '后一天',
			'dash.counts': '当日概况',
			'dash.people': '应报人数',
			'dash.reported': '已上报',
			'dash.missing': '未上报',
			'dash.rate': '上报率 {rate}',
			'dash.trend': '近 30 天趋势',
			'dash.trend.label': '近 30 天每日绿、黄、红人数和上报率',
			'dash.chart.missing': '图表组件没有加载，下表列出同样的数字。',
			'dash.chart.people': '人数',
			'dash.chart.rate': '上报率',
			'dash.alerts': '预警',
			'dash.alerts.none': '没有预警。',
			'dash.alerts.intro': '红色、黄色上报产生的预警。待处理的排在前面，包括前几天仍未处理的。',
			'dash.alerts.all': '显示全部 {n} 条',
			'dash.alert.when': '{date}的上报 · {time} 预警',
			'dash.alert.open': '待处理',
			'dash.alert.acked': '已处理',
			'dash.alert.acked_by': '{who} 于 {time} 处理',
			'dash.alert.clinic': '已到发热门诊就诊',
			'dash.alert.community': '已告知所在社区',
			'dash.alert.result': '处理结果',
			'dash.alert.follow_up': '后续安排',
			'dash.alert.ack': '确认已处理',
			'dash.alert.acking': '正在提交…',
			'dash.alert.handle': '填写处理情况',
			'dash.alert.yes': '是',
			'dash.alert.no': '否',
			'dash.alert.conflict': '这条预警已经有人处理过了，已刷新。',
			'dash.unwell': '身体异常人员',
			'dash.unwell.none': '当天没有红色或黄色的上报。',
			'dash.departments': '各部门上报情况',
			'dash.places': '按所在地',
			'dash.nonreporters': '未上报人员',
			'dash.nonreporters.none': '所有人都已上报。',
			'dash.more': '加载更多',
			'dash.flags': '数据质量提示',
			'dash.flags.intro': '这些上报看起来可能有误，请核实。',
			'dash.flags.none': '没有需要核实的上报。',
			'dash.export': '导出日报',
			'dash.export.from': '从',
			'dash.export.to': '到',
			'dash.export.by_person': '按人员',
			'dash.export.by_department': '按部门',
			'dash.export.csv': 'CSV',
			'dash.export.xlsx': 'Excel',
			'dash.col.date': '日期',
			'dash.col.department': '部门',
			'dash.col.people': '人数',
			'dash.col.reported': '已报',
			'dash.col.rate': '上报率',
			'dash.col.place': '所在地',
			'dash.temp': '{t} ℃',
			'flag.copied': '与前两天完全相同',
			'flag.implausible': '体温或症状不合常理',
			'flag.burst': '短时间内提交过多',
			'flag.inconsistent': '在单位但不在本市',
			'dash.on_behalf': '代报'
		},
		en: {
			'dash.doctitle': 'Dashboard · Fangkong',
			'dash.title': 'Dashboard',
			'dash.date': 'Date',
			'dash.prev': 'Previous day',
			'dash.next': 'Next day',
			'dash.counts': 'The day at a glance',
			'dash.people': 'People',
			'dash.reported': 'Reported',
			'dash.missing': 'Not reported',
			'dash.rate': '{rate} reported',
			'dash.trend': 'Last 30 days',
			'dash.trend.label': 'Green, yellow and red people per day and the reporting rate, last 30 days',
			'dash.chart.missing': 'The chart could not be loaded; the table below has the same numbers.',
			'dash.chart.people': 'People',
			'dash.chart.rate': 'Reporting rate',
			'dash.alerts': 'Alerts',
			'dash.alerts.none': 'No alerts.',
			'dash.alerts.intro': 'Raised by red and yellow reports. Open ones come first, including those still open from earlier days.',
			'dash.alerts.all': 'Show all {n}',
			'dash.alert.when': 'report of {date} · raised {time}',
			'dash.alert.open': 'Open',
			'dash.alert.acked': 'Acknowledged',
			'dash.alert.acked_by': 'by {who}, {time}',
			'dash.alert.clinic': 'Has seen a fever clinic',
			'dash.alert.community': 'Residential community informed',
			'dash.alert.result': 'Result',
			'dash.alert.follow_up': 'Follow-up',
			'dash.alert.ack': 'Acknowledge',
			'dash.alert.acking': 'Sending…',
			'dash.alert.handle': 'Record what was done',
			'dash.alert.yes': 'yes',
			'dash.alert.no': 'no',
			'dash.alert.conflict': 'Someone had already acknowledged this alert; the list is updated.',
			'dash.unwell': 'People unwell',
			'dash.unwell.none': 'No red or yellow reports that day.',
			'dash.departments': 'Departments',
			'dash.places': 'By whereabouts',
			'dash.nonreporters': 'Not reported',
			'dash.nonreporters.none': 'Everyone has reported.',
			'dash.more': 'Show more',
			'dash.flags': 'Data quality',
			'dash.flags.intro': 'These reports look doubtful. Please check them.',
			'dash.flags.none': 'Nothing to check.',
			'dash.export': 'Export the daily table',
			'dash.export.from': 'From',
			'dash.export.to': 'To',
			'dash.export.by_person': 'By person',
			'dash.export.by_department': 'By department',
			'dash.export.csv': 'CSV',
			'dash.export.xlsx': 'Excel',
			'dash.col.date': 'Date',
			'dash.col.department': 'Department',
			'dash.col.people': 'People',
			'dash.col.reported': 'Reported',
			'dash.col.rate': 'Rate',
			'dash.col.place': 'Whereabouts',
			'dash.temp': '{t} °C',
			'flag.copied': 'Same as the two days before',
			'flag.implausible': 'Temperature or symptoms implausible',
			'flag.burst': 'Too many submissions in a short time',
			'flag.inconsistent': 'At work but outside the city',
			'dash.on_behalf': 'on behalf'
		}
	});

	var $ = function (id) { return document.getElementById(id); };
	var el = fk.el;
	var pageError = $('page-error');
	var dateInput = $('date');
	var date = '';
	var dash = null;           /* the GET /dashboard answer */
	var chart = null;
	var missingNext = null;
	var loadSeq = 0;           /* answers for an older date are dropped */

	var COLOURS = {green: '#2e8b4a', yellow: '#e0a21b', red: '#c8372d', rate: '#0e6b72'};

	/* ---- helpers ------------------------------------------------------ */

	function pct(part, whole) {
		if (!whole)
			return '–';
		var p = part * 100 / whole;
		return (p >= 99.95 || p === 0 ? p.toFixed(0) : p.toFixed(1)) + '%';
	}

	function num(v) {
		return typeof v === 'number' ? String(v) : '–';
	}

	/* Fetch every page of a list (up to max items). */
	async function getAll(url, max) {
		var items = [];
		var after = null;
		for (;;) {
			var got = await fk.get(url + (after !== null ? '&after=' + encodeURIComponent(after) : ''));
			if (!got.body)
				return {res: got.res, items: null};
			items = items.concat(got.body.items || []);
			after = got.body.next;
			if (after === null || after === undefined || items.length >= max)
				return {res: got.res, items: items};
		}
	}

	function personLink(id, name) {
		return el('a', {href: '/history.html?person=' + encodeURIComponent(id || ''),
				className: 'person-link', text: name || id || ''});
	}

	function statusPill(status) {
		return fk.live(el('span', {className: 'pill pill-' + (status || 'none')}), function () {
			return fk.t('status.' + (status || 'none'));
		});
	}

	function symptomsText(r) {
		var s = (r.symptoms || []).map(function (x) { return fk.t('sym.' + x); });
		return s.length ? s.join(fk.lang() === 'en' ? ', ' : '、') : fk.t('sym.none');
	}

	/* ---- counts, tables and the chart -------------------------------- */

	function renderCounts() {
		var d = dash || {};
		$('n-people').textContent = num(d.people);
		$('n-reported').textContent = num(d.reported);
		$('n-rate').textContent = dash ? fk.t('dash.rate', {rate: pct(d.reported, d.people)}) : '';
		$('n-missing').textContent = num(typeof d.missing === 'number' ? d.missing
			: (typeof d.people === 'number' ? d.people - d.reported : undefined));
		$('n-green').textContent = num(d.green);
		$('n-yellow').textContent = num(d.yellow);
		$('n-red').textContent = num(d.red);
	}

	function renderTables() {
		var body = $('dept-table').tBodies[0];
		fk.clear(body);
		((dash && dash.departments) || []).forEach(function (dep) {
			body.appendChild(el('tr', {'data-department-id': dep.id}, [
				el('th', {scope: 'row', text: dep.name, className: 'depth-' + Math.min(3,
					Math.max(0, String(dep.path || '').split('/').filter(Boolean).length - 1))}),
				el('td', {className: 'num', text: num(dep.people)}),
				el('td', {className: 'num', text: num(dep.reported)}),
				el('td', {className: 'num', text: pct(dep.reported, dep.people)}),
				el('td', {className: 'num', text: num(dep.green)}),
				el('td', {className: 'num' + (dep.yellow ? ' num-yellow' : ''), text: num(dep.yellow)}),
				el('td', {className: 'num' + (dep.red ? ' num-red' : ''), text: num(dep.red)})
			]));
		});
		var places = $('place-table').tBodies[0];
		fk.clear(places);
		/* every place has a row, in this order, even with nobody there */
		var byPlace = {};
		((dash && dash.places) || []).forEach(function (p) { byPlace[p.place] = p; });
		var known = ['hubei', 'city', 'outside'];
		Object.keys(byPlace).forEach(function (k) {
			if (known.indexOf(k) < 0)
				known.push(k);
		});
		known.map(function (k) {
			return byPlace[k] || {place: k, reported: 0, green: 0, yellow: 0, red: 0};
		}).forEach(function (p) {
			places.appendChild(el('tr', {'data-place': p.place}, [
				el('th', {scope: 'row', i18n: 'place.' + p.place}),
				el('td', {className: 'num', text: num(p.reported)}),
				el('td', {className: 'num', text: num(p.green)}),
				el('td', {className: 'num' + (p.yellow ? ' num-yellow' : ''), text: num(p.yellow)}),
				el('td', {className: 'num' + (p.red ? ' num-red' : ''), text: num(p.red)})
			]));
		});
	}

	function trendRate(day) {
		var people = day.people || (dash && dash.people) || 0;
		return people ? Math.round(day.reported * 1000 / people) / 10 : 0;
	}

	function renderChart() {
		var trend = (dash && dash.trend) || [];
		var box = $('trend-chart');
		if (!window.echarts) {
			box.hidden = true;
			$('chart-missing').hidden = false;
			var tb = $('trend-table').tBodies[0];
			fk.clear(tb);
			trend.forEach(function (d) {
				tb.appendChild(el('tr', {}, [
					el('th', {scope: 'row', text: d.date}),
					el('td', {text: num(d.reported)}), el('td', {text: num(d.green)}),
					el('td', {text: num(d.yellow)}), el('td', {text: num(d.red)})
				]));
			});
			$('trend-table-wrap').hidden = false;
			return;
		}
		if (!chart)
			chart = window.echarts.init(box, null, {renderer: 'canvas'});
		var labels = trend.map(function (d) {
			return fk.fmtDate(d.date, {year: undefined, month: 'numeric'});
		});
		function series(key) {
			return trend.map(function (d) { return d[key] || 0; });
		}
		var font = getComputedStyle(document.body).fontFamily;
		chart.setOption({
			animationDuration: 300,
			textStyle: {fontFamily: font},
			color: [COLOURS.green, COLOURS.yellow, COLOURS.red, COLOURS.rate],
			tooltip: {trigger: 'axis', renderMode: 'richText', confine: true},
			legend: {top: 0, left: 0, itemWidth: 14, itemHeight: 10},
			grid: {left: 8, right: 8, top: 56, bottom: 8, containLabel: true},
			xAxis: {type: 'category', data: labels, axisTick: {alignWithLabel: true}},
			yAxis: [
				{type: 'value', name: fk.t('dash.chart.people'), minInterval: 1,
				 nameTextStyle: {align: 'left'}},
				{type: 'value', name: fk.t('dash.chart.rate'), min: 0, max: 100,
				 axisLabel: {formatter: '{value}%'}, splitLine: {show: false},
				 nameTextStyle: {align: 'right'}}
			],
			series: [
				{name: fk.t('status.green'), type: 'bar', stack: 'status', data: series('green'),
				 barMaxWidth: 18},
				{name: fk.t('status.yellow'), type: 'bar', stack: 'status', data: series('yellow')},
				{name: fk.t('status.red'), type: 'bar', stack: 'status', data: series('red')},
				{name: fk.t('dash.chart.rate'), type: 'line', yAxisIndex: 1, symbolSize: 5,
				 data: trend.map(trendRate),
				 tooltip: {valueFormatter: function (v) { return v + '%'; }}}
			]
		}, {notMerge: true});
	}

	async function loadDashboard(seq) {
		fk.showMessage($('counts-error'), null);
		var got;
		try {
			got = await fk.get('/api/v1/dashboard?date=' + date);
		} catch (e) {
			return seq === loadSeq && fk.showMessage($('counts-error'), 'err.network');
		}
		if (seq !== loadSeq)
			return;
		if (!got.body) {
			dash = null;
			fk.showMessage($('counts-error'), await fk.apiError(got.res));
		} else {
			dash = got.body;
		}
		renderCounts();
		renderTables();
		renderChart();
	}

	/* ---- alerts ------------------------------------------------------- */

	var alerts = [];

	function alertFacts(a) {
		var yes = function (v) { return fk.t(v ? 'dash.alert.yes' : 'dash.alert.no'); };
		var list = el('dl', {className: 'ack-facts'});
		function row(key, fn) {
			list.appendChild(el('div', {}, [el('dt', {i18n: key}), fk.live(el('dd'), fn)]));
		}
		row('dash.alert.clinic', function () { return yes(a.clinic_visited); });
		row('dash.alert.community', function () { return yes(a.community_informed); });
		if (a.result)
			row('dash.alert.result', function () { return a.result; });
		if (a.follow_up)
			row('dash.alert.follow_up', function () { return a.follow_up; });
		return list;
	}

	function ackForm(a, item) {
		var id = 'ack-' + a.id;
		var error = el('div', {className: 'alert alert-error', role: 'alert', 'data-message': true, hidden: true});
		var submit = el('button', {type: 'submit', className: 'btn btn-primary', i18n: 'dash.alert.ack'});
		var form = el('form', {className: 'form ack-form', 'data-alert-id': a.id}, [
			el('label', {className: 'choice', 'for': id + '-clinic'}, [
				el('input', {type: 'checkbox', id: id + '-clinic', name: 'clinic_visited'}),
				el('span', {i18n: 'dash.alert.clinic'})
			]),
			el('label', {className: 'choice', 'for': id + '-community'}, [
				el('input', {type: 'checkbox', id: id + '-community', name: 'community_informed'}),
				el('span', {i18n: 'dash.alert.community'})
			]),
			el('div', {className: 'field'}, [
				el('label', {'for': id + '-result', i18n: 'dash.alert.result'}),
				el('input', {type: 'text', id: id + '-result', name: 'result', maxLength: 200})
			]),
			el('div', {className: 'field'}, [
				el('label', {'for': id + '-follow', i18n: 'dash.alert.follow_up'}),
				el('textarea', {id: id + '-follow', name: 'follow_up', rows: 2, maxLength: 500})
			]),
			error,
			submit
		]);
		form.addEventListener('submit', async function (ev) {
			ev.preventDefault();
			if (submit.disabled)
				return;
			fk.showMessage(error, null);
			var body = {
				clinic_visited: form.elements.clinic_visited.checked,
				community_informed: form.elements.community_informed.checked
			};
			var result = form.elements.result.value.trim();
			var follow = form.elements.follow_up.value.trim();
			if (result)
				body.result = result;
			if (follow)
				body.follow_up = follow;
			submit.disabled = true;
			submit.setAttribute('data-i18n', 'dash.alert.acking');
			submit.textContent = fk.t('dash.alert.acking');
			var got;
			try {
				got = await fk.send('POST', '/api/v1/alerts/' + encodeURIComponent(a.id) + '/ack', body);
			} catch (e) {
				got = null;
			}
			submit.disabled = false;
			submit.setAttribute('data-i18n', 'dash.alert.ack');
			submit.textContent = fk.t('dash.alert.ack');
			if (!got)
				return fk.showMessage(error, 'err.network');
			if (got.res.status === 409) {
				fk.showMessage(error, 'dash.alert.conflict');
				return loadAlerts(loadSeq, true);
			}
			if (!got.res.ok)
				return fk.showMessage(error, await fk.apiError(got.res));
			var updated = Object.assign({}, a, got.body || {});
			if (!updated.acked_at && !updated.acked_by)
				updated.acked_at = Math.floor(Date.now() / 1000);
			alerts = alerts.map(function (x) { return x.id === a.id ? updated : x; });
			item.replaceWith(alertItem(updated));
			renderAlertCount();
		});
		return el('details', {className: 'ack-details'}, [
			el('summary', {className: 'btn btn-outline', i18n: 'dash.alert.handle'}),
			form
		]);
	}

	/* An alert's reason: {zh, en}, or one string "中文 / English". */
	function alertReason(a) {
		var r = a.reason;
		if (typeof r === 'string' && r.indexOf(' / ') > 0) {
			var cut = r.indexOf(' / ');
			r = {zh: r.slice(0, cut), en: r.slice(cut + 3)};
		}
		return fk.text(r) || fk.t('rule.' + (a.rule || 'all_normal'));
	}

	function isAcked(a) {
		return !!(a.acked_at || a.acked_by);
	}

	function alertItem(a) {
		var acked = isAcked(a);
		var item = el('li', {className: 'alert-item' + (acked ? ' is-acked' : ''), 'data-alert-id': a.id,
				     'data-person-id': a.person_id, 'data-state': acked ? 'acked' : 'open'});
		item.appendChild(el('div', {className: 'alert-head'}, [
			statusPill(a.status),
			personLink(a.person_id, a.person_name),
			el('span', {className: 'muted', text: a.department || ''}),
			fk.live(el('span', {className: 'alert-state ' + (acked ? 'state-acked' : 'state-open')}),
				function () { return fk.t(acked ? 'dash.alert.acked' : 'dash.alert.open'); })
		]));
		item.appendChild(fk.live(el('p', {className: 'alert-reason'}), function () {
			return alertReason(a);
		}));
		item.appendChild(fk.live(el('p', {className: 'muted alert-time'}), function () {
			return fk.t('dash.alert.when', {date: fk.fmtDate(a.date, {year: undefined}),
							time: fk.fmtTime(a.created_at)});
		}));
		if (acked) {
			item.appendChild(fk.live(el('p', {className: 'alert-acked'}), function () {
				return fk.t('dash.alert.acked') + ' · ' + fk.t('dash.alert.acked_by', {
					who: a.acked_by_name || a.acked_by_username || a.acked_by || '', time: fk.fmtTime(a.acked_at)
				});
			}));
			item.appendChild(alertFacts(a));
		} else {
			item.appendChild(ackForm(a, item));
		}
		return item;
	}

	function renderAlertCount() {
		var open = alerts.filter(function (a) { return !isAcked(a); }).length;
		$('alerts-count').textContent = String(open);
		$('alerts-count').className = 'count-badge' + (open ? ' count-alert' : '');
	}

	var ALERTS_SHOWN = 10;      /* more behind a button: a phone's page stays short */
	var alertsAll = false;

	function renderAlerts() {
		var list = $('alert-list');
		fk.clear(list);
		var shown = alertsAll ? alerts : alerts.slice(0, ALERTS_SHOWN);
		shown.forEach(function (a) { list.appendChild(alertItem(a)); });
		$('alerts-none').hidden = alerts.length > 0;
		var more = $('alerts-more');
		more.hidden = shown.length >= alerts.length;
		more.textContent = fk.t('dash.alerts.all', {n: alerts.length});
		renderAlertCount();
	}

	/* Open alerts of any day, and every alert of the chosen day. */
	async function loadAlerts(seq, keepMessage) {
		if (!keepMessage)
			fk.showMessage($('alerts-error'), null);
		var open, day;
		try {
			open = await getAll('/api/v1/alerts?open=1&limit=200', 1000);
			day = await getAll('/api/v1/alerts?date=' + date + '&limit=200', 1000);
		} catch (e) {
			return seq === loadSeq && fk.showMessage($('alerts-error'), 'err.network');
		}
		if (seq !== loadSeq)
			return;
		if (!open.items || !day.items) {
			alerts = [];
			renderAlerts();
			return fk.showMessage($('alerts-error'), await fk.apiError((open.items ? day : open).res));
		}
		var seen = {};
		alerts = [];
		open.items.concat(day.items).forEach(function (a) {
			if (!seen[a.id]) {
				seen[a.id] = true;
				alerts.push(a);
			}
		});
		/* open first, red before yellow, newest first */
		alerts.sort(function (x, y) {
			return (isAcked(x) - isAcked(y)) || ((y.status === 'red') - (x.status === 'red'))
				|| String(y.date).localeCompare(String(x.date)) || (y.id - x.id);
		});
		renderAlerts();
	}

	/* ---- lists of reports and people ---------------------------------- */

	function reportItem(r, withFlags) {
		var parts = [
			el('div', {className: 'alert-head'}, [
				statusPill(r.status),
				personLink(r.person_id, r.person_name),
				el('span', {className: 'muted', text: r.department || ''})
			]),
			fk.live(el('p', {className: 'alert-reason'}), function () {
				return fk.text(r.reason) || fk.t('rule.' + (r.rule || 'all_normal'));
			}),
			fk.live(el('p', {className: 'muted'}), function () {
				var bits = [];
				if (typeof r.temperature_c === 'number')
					bits.push(fk.t('dash.temp', {t: r.temperature_c.toFixed(1)}));
				bits.push(symptomsText(r));
				if (r.place)
					bits.push(fk.t('place.' + r.place));
				if (r.on_behalf)
					bits.push(fk.t('dash.on_behalf'));
				return bits.join(' · ');
			})
		];
		if (withFlags)
			parts.push(el('ul', {className: 'flag-list'}, (r.flags || []).map(function (f) {
				return el('li', {className: 'flag', 'data-flag': f, i18n: 'flag.' + f});
			})));
		return el('li', {className: 'person-item', 'data-report-id': r.id, 'data-person-id': r.person_id,
				 'data-status': r.status}, parts);
	}

	async function loadReports(seq, query, listId, errorId, noneId, countId, withFlags) {
		fk.showMessage($(errorId), null);
		var results = [];
		try {
			for (var i = 0; i < query.length; i++)
				results.push(await getAll('/api/v1/reports?date=' + date + '&' + query[i] + '&limit=200', 1000));
		} catch (e) {
			return seq === loadSeq && fk.showMessage($(errorId), 'err.network');
		}
		if (seq !== loadSeq)
			return;
		var list = $(listId);
		fk.clear(list);
		var items = [];
		for (var j = 0; j < results.length; j++) {
			if (!results[j].items) {
				$(countId).textContent = '';
				return fk.showMessage($(errorId), await fk.apiError(results[j].res));
			}
			items = items.concat(results[j].items);
		}
		items.forEach(function (r) { list.appendChild(reportItem(r, withFlags)); });
		$(noneId).hidden = items.length > 0;
		$(countId).textContent = String(items.length);
	}

	async function loadMissing(seq, more) {
		fk.showMessage($('missing-error'), null);
		var url = '/api/v1/missing?date=' + date + '&limit=50';
		if (more && missingNext !== null)
			url += '&after=' + encodeURIComponent(missingNext);
		var got;
		try {
			got = await fk.get(url);
		} catch (e) {
			return seq === loadSeq && fk.showMessage($('missing-error'), 'err.network');
		}
		if (seq !== loadSeq)
			return;
		var list = $('missing-list');
		if (!more)
			fk.clear(list);
		if (!got.body) {
			$('missing-more').hidden = true;
			return fk.showMessage($('missing-error'), await fk.apiError(got.res));
		}
		(got.body.items || []).forEach(function (p) {
			var bits = [personLink(p.id, p.name),
				    el('span', {className: 'muted', text: p.department || ''})];
			if (p.phone)
				bits.push(el('a', {className: 'phone', href: 'tel:' + p.phone, text: p.phone}));
			list.appendChild(el('li', {className: 'person-item', 'data-person-id': p.id},
					    [el('div', {className: 'alert-head'}, bits)]));
		});
		missingNext = got.body.next === undefined ? null : got.body.next;
		$('missing-more').hidden = missingNext === null;
		$('missing-none').hidden = list.children.length > 0;
		renderMissingCount();
	}

	function renderMissingCount() {
		var n = dash && typeof dash.missing === 'number' ? dash.missing : null;
		$('missing-count').textContent = n !== null ? String(n) : String($('missing-list').children.length);
	}

	/* ---- exports ------------------------------------------------------- */

	function renderExports() {
		var from = $('export-from').value || date;
		var to = $('export-to').value || date;
		['person', 'department'].forEach(function (by) {
			['csv', 'xlsx'].forEach(function (format) {
				$('export-' + by + '-' + format).href = '/api/v1/exports/daily?from=' + from + '&to=' + to
					+ '&by=' + by + '&format=' + format;
			});
		});
	}

	/* ---- the day ------------------------------------------------------- */

	function setDate(d, push) {
		var today = fk.today();
		if (!/^\d{4}-\d{2}-\d{2}$/.test(d) || d > today)
			d = today;
		date = d;
		dateInput.value = d;
		dateInput.max = today;
		$('next-day').disabled = d >= today;
		$('export-from').value = d;
		$('export-to').value = d;
		$('export-from').max = $('export-to').max = today;
		if (push)
			window.history.replaceState(null, '', '?date=' + d);
		renderExports();
		loadDay();
	}

	function loadDay() {
		var seq = ++loadSeq;
		dash = null;
		missingNext = null;
		loadDashboard(seq).then(function () {
			if (seq === loadSeq)
				renderMissingCount();
		});
		loadAlerts(seq);
		loadReports(seq, ['status=red', 'status=yellow'], 'unwell-list', 'unwell-error', 'unwell-none',
			    'unwell-count', false);
		loadReports(seq, ['flagged=1'], 'flag-list', 'flags-error', 'flags-none', 'flags-count', true);
		loadMissing(seq, false);
	}

	dateInput.addEventListener('change', function () {
		if (dateInput.value)
			setDate(dateInput.value, true);
	});
	$('date-form').addEventListener('submit', function (ev) { ev.preventDefault(); });
	$('prev-day').addEventListener('click', function () { setDate(fk.addDays(date, -1), true); });
	$('next-day').addEventListener('click', function () { setDate(fk.addDays(date, 1), true); });
	$('to-today').addEventListener('click', function () { setDate(fk.today(), true); });
	$('missing-more').addEventListener('click', function () { loadMissing(loadSeq, true); });
	fk.live($('alerts-more'), function () { return fk.t('dash.alerts.all', {n: alerts.length}); });
	$('alerts-more').addEventListener('click', function () {
		alertsAll = true;
		renderAlerts();
	});
	$('export-from').addEventListener('change', renderExports);
	$('export-to').addEventListener('change', renderExports);

	window.addEventListener('resize', function () {
		if (chart)
			chart.resize();
	});

	fk.onChange(function () {
		renderCounts();
		if (dash)
			renderChart();
	});

	async function load() {
		var session = await fk.start({page: 'dashboard', roles: ['dept_head', 'office'], errorBox: pageError});
		$('loading').hidden = true;
		if (!session)
			return;
		$('content').hidden = false;
		var asked = new URLSearchParams(window.location.search).get('date') || '';
		setDate(asked, false);
	}

	load();
})();
