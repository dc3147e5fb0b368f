/*
 * analytics.js -- web: epidemic analytics (analytics.html) for the office,
 * department heads, health officials and analysts.  Three views, each
 * shown only to the roles that may use it (the API answers 403 anyway):
 *
 * Region (office, official, analyst; analytics.html?view=region&region=&from=&to=):
 *   Rt with its 95% band       GET /api/v1/analytics/rt?region=&from=&to=
 *   early warning (EARS)       GET /api/v1/analytics/detect?scope=region&region=&method=&from=&to=
 *   SEIR fit and forecast      GET /api/v1/analytics/seir?region=&from=&to=&change=&family=&horizon=14
 * Organisation (office, dept_head; ?view=org):
 *   the departments            GET /api/v1/departments (a head: their subtree)
 *   fever-or-cough check-ins   GET /api/v1/analytics/detect?scope=checkins&department=&method=&from=&to=
 * Signals (all four; ?view=signals):
 *   stored signals             GET /api/v1/analytics/signals?kind=&open=1&limit=100
 *   acknowledge one            POST /api/v1/analytics/signals/{id}/ack {note}   (office, dept_head, official)
 *   run detection for a date   POST /api/v1/analytics/detect/run {date}         (office, official)
 *
 * Charts are ECharts line/bar/scatter series on a category axis of dates;
 * a band is two stacked lines, the lower bound (invisible) and the width
 * (filled), so the fill runs from the lower to the upper bound, with
 * null for a gap.  Every series has an id (rt-mean, rt-band, observed,
 * upperbound, alarms, seir-median, seir-pred-band, ...) so that a test can
 * read it back with echarts.getInstanceByDom(box).getOption().  The data
 * are the server's numbers as they are; rounding is for what is shown.
 * Tooltips are drawn in the canvas (renderMode richText): an HTML tooltip
 * would need inline styles, which the Content-Security-Policy refuses.
 * When a call fails, the card shows the server's message (and the field it
 * names) where the chart would be.
 */
(function () {
	'use strict';

	fk.extend({
		'zh-CN': {
			'ana.doctitle': '疫情分析 · 防控',
			'ana.title': '疫情分析',
			'ana.views': '视图',
			'ana.view.region': '地区',
			'ana.view.org': '本单位',
			'ana.view.signals': '预警信号',
			'ana.region.form': '地区和时间',
			'ana.region.code': '地区（代码，或输入名称选择）',
			'ana.region.unknown': '没有这个地区代码',
			'ana.region.need': '请填写 6 位地区代码，或输入名称后从列表中选择。',
			'ana.range.bad': '请选择起止日期，起始日期不能晚于截止日期。',
			'ana.from': '从',
			'ana.to': '到',
			'ana.show': '查看',
			'ana.method': '方法',
			'ana.err': '无法计算：{message}',
			'ana.err.field': '无法计算：{message}（{field}）',
			'ana.err.status': '操作未成功（{status}）',
			'ana.nochart': '图表组件没有加载。',
			'ana.loading': '正在计算…',
			'ana.rt': '实时再生数 Rt',
			'ana.rt.intro': '每 7 天一个窗口（按窗口最后一天画），线为后验均值，阴影为 95% 可信区间；虚线为 1，Rt 低于 1 时疫情在消退。序列间隔均值 7.5 天、标准差 3.4 天。',
			'ana.rt.label': 'Rt 及其 95% 可信区间',
			'ana.rt.mean': 'Rt 均值',
			'ana.rt.band': '95% 可信区间',
			'ana.rt.empty': '所选时间内没有可估计的窗口。',
			'ana.orgrt': '本单位病例的 Rt',
			'ana.orgrt.intro': '按在本系统登记的确诊病例（按报告日期）估计，方法和上面的地区 Rt 相同；病例很少时可信区间很宽。',
			'ana.orgrt.label': '本单位病例的 Rt 及其 95% 可信区间',
			'ana.rt.tip': '{from}–{to}\nRt {mean}\n95%：{lo}–{hi}',
			'ana.rt.tip.na': '{from}–{to}\n病例太少，无法估计',
			'ana.rt.latest': '截至{date}的一周：Rt {mean}（95% 可信区间 {lo}–{hi}）',
			'ana.rt.below': '，低于 1',
			'ana.rt.above': '，高于 1',
			'ana.detect': '早期预警',
			'ana.detect.intro': '柱为每日新增确诊，线为 EARS 方法算出的上限，超过上限的日子标为红色（预警）。',
			'ana.detect.label': '每日新增、预警上限和预警日',
			'ana.detect.observed': '新增',
			'ana.detect.checkins': '发热或咳嗽',
			'ana.detect.upper': '上限',
			'ana.detect.alarm': '预警',
			'ana.detect.tip': '{date}\n{what} {observed}\n上限 {upper}{alarm}',
			'ana.detect.tip.alarm': '\n预警',
			'ana.detect.none': '{method}：所选时间内没有预警。',
			'ana.detect.some': '{method}：{n} 天预警（{dates}）。',
			'ana.detect.more': '等',
			'ana.seir': 'SEIR 模型拟合与预测',
			'ana.seir.intro': '点为每日新增确诊，实线为模型拟合的期望值；之后为预测：中位数，深色阴影为 95% 预测区间，浅色阴影为期望值的 95% 区间。竖线为传播率改变的日期。',
			'ana.seir.label': '每日新增、模型拟合和预测区间',
			'ana.seir.change': '传播率改变的日期（逗号分隔）',
			'ana.seir.change.hint': '例如 2020-01-23（武汉封城）。留空则整段用同一个传播率。',
			'ana.seir.change.bad': '日期应写成 2020-01-23 这样，多个日期用逗号分隔。',
			'ana.seir.family': '计数分布',
			'ana.seir.nbinom': '负二项',
			'ana.seir.poisson': '泊松',
			'ana.seir.submit': '重新拟合',
			'ana.seir.busy': '正在拟合，约需一秒…',
			'ana.seir.observed': '新增确诊',
			'ana.seir.fit': '拟合',
			'ana.seir.median': '预测中位数',
			'ana.seir.pred': '95% 预测区间',
			'ana.seir.exp': '期望值 95% 区间',
			'ana.seir.tip.obs': '{date}\n新增 {cases}\n拟合 {expected}',
			'ana.seir.tip.fc': '{date}（预测）\n中位数 {median}\n预测区间 {lower}–{upper}\n期望值 {expected}（{elo}–{ehi}）',
			'ana.seir.clipped': '预测区间的上限最高到 {max}，超出了图表的范围。',
			'ana.seir.segments': '各阶段的传播参数',
			'ana.seir.col.from': '起始',
			'ana.seir.col.r0': '基本再生数 R₀',
			'ana.seir.col.beta': '传播率 β（每天）',
			'ana.seir.interval': '{lo}–{hi}',
			'ana.seir.interval.note': '小字为 95% 置信区间。',
			'ana.seir.population': '人口',
			'ana.seir.source.census2020': '2020 年第七次人口普查',
			'ana.seir.fam': '计数分布',
			'ana.seir.size': '离散参数（size）',
			'ana.seir.loglik': '对数似然',
			'ana.seir.aic': 'AIC',
			'ana.seir.converged': '收敛',
			'ana.seir.cov': '区间可靠',
			'ana.yes': '是',
			'ana.no': '否',
			'ana.org': '发热、咳嗽上报监测',
			'ana.org.intro': '柱为每天健康上报中有发热或咳嗽的人数，线为 EARS 方法算出的上限，红色为超过上限的日子（预警）。',
			'ana.org.label': '每日发热或咳嗽上报人数、预警上限和预警日',
			'ana.org.dept': '部门',
			'ana.org.all': '全单位',
			'ana.run': '检测某一天',
			'ana.run.intro': '系统每天自动检测前一天；也可以指定日期重新检测各地区和各部门，新的预警会列在下面。',
			'ana.run.date': '日期',
			'ana.run.submit': '检测',
			'ana.run.busy': '正在检测…',
			'ana.run.need': '请选择日期。',
			'ana.run.done': '{date}：检测了 {regions} 个地区、{departments} 个部门，新的预警 {n} 个。',
			'ana.signals': '预警信号',
			'ana.signals.kind': '类别',
			'ana.signals.kind.all': '全部',
			'ana.signals.kind.region': '地区',
			'ana.signals.kind.department': '部门',
			'ana.signals.open_only': '只看未处理的',
			'ana.signals.col.where': '地区或部门',
			'ana.signals.col.date': '日期',
			'ana.signals.col.count': '观察值与上限',
			'ana.signals.col.state': '处理',
			'ana.signals.none': '没有预警信号。',
			'ana.signals.count': '观察值 {observed} · 上限 {upper}',
			'ana.signals.open': '未处理',
			'ana.signals.acked': '已处理',
			'ana.signals.acked_by': '{who} · {time}',
			'ana.signals.ack': '处理',
			'ana.signals.note': '处理情况（选填）',
			'ana.signals.confirm': '确认已处理',
			'ana.signals.acking': '正在提交…',
			'ana.signals.conflict': '这条信号已经有人处理过了，列表已更新。',
			'ana.signals.org': '全单位'
		},
		en: {
			'ana.doctitle': 'Analytics · Fangkong',
			'ana.title': 'Epidemic analytics',
			'ana.views': 'View',
			'ana.view.region': 'Region',
			'ana.view.org': 'Organisation',
			'ana.view.signals': 'Signals',
			'ana.region.form': 'Region and period',
			'ana.region.code': 'Region (code, or type a name to choose)',
			'ana.region.unknown': 'No such region code',
			'ana.region.need': 'Enter a 6-digit region code, or type a name and choose from the list.',
			'ana.range.bad': 'Choose both dates, the first no later than the second.',
			'ana.from': 'From',
			'ana.to': 'To',
			'ana.show': 'Show',
			'ana.method': 'Method',
			'ana.err': 'Could not compute: {message}',
			'ana.err.field': 'Could not compute: {message} ({field})',
			'ana.err.status': 'That did not work ({status})',
			'ana.nochart': 'The chart could not be loaded.',
			'ana.loading': 'Working…',
			'ana.rt': 'Reproduction number Rt',
			'ana.rt.intro': 'Sliding 7-day windows, drawn at each window’s last day: the line is the posterior mean, the band its 95% credible interval. The dashed line is 1: below it the epidemic shrinks. Serial interval: mean 7.5 days, sd 3.4.',
			'ana.rt.label': 'Rt with its 95% credible interval',
			'ana.rt.mean': 'Rt (mean)',
			'ana.rt.band': '95% interval',
			'ana.rt.empty': 'No window can be estimated in this period.',
			'ana.orgrt': 'Rt of the cases registered here',
			'ana.orgrt.intro': 'Estimated from the confirmed cases registered in Fangkong (by report date), by the same method as the regions’ Rt; with few cases the interval is wide.',
			'ana.orgrt.label': 'Rt of the cases registered here, with its 95% credible interval',
			'ana.rt.tip': '{from} to {to}\nRt {mean}\n95%: {lo}–{hi}',
			'ana.rt.tip.na': '{from} to {to}\ntoo few cases to estimate',
			'ana.rt.latest': 'Week to {date}: Rt {mean} (95% credible interval {lo}–{hi})',
			'ana.rt.below': ', below 1',
			'ana.rt.above': ', above 1',
			'ana.detect': 'Early warning',
			'ana.detect.intro': 'Bars: new confirmed cases each day; line: the EARS upper bound; red: days above it (alarms).',
			'ana.detect.label': 'Daily new cases, the alarm threshold and the alarm days',
			'ana.detect.observed': 'New cases',
			'ana.detect.checkins': 'Fever or cough',
			'ana.detect.upper': 'Upper bound',
			'ana.detect.alarm': 'Alarm',
			'ana.detect.tip': '{date}\n{what} {observed}\nupper bound {upper}{alarm}',
			'ana.detect.tip.alarm': '\nALARM',
			'ana.detect.none': '{method}: no alarm in this period.',
			'ana.detect.some': '{method}: alarms on {n} days ({dates}).',
			'ana.detect.more': '…',
			'ana.seir': 'SEIR fit and forecast',
			'ana.seir.intro': 'Points: new confirmed cases; solid line: the model’s fitted mean. Then the forecast: the median, the 95% prediction interval (dark band) and the 95% interval of the mean (light band). Vertical lines: the dates the transmission rate changes.',
			'ana.seir.label': 'Daily new cases, the model fit and the forecast bands',
			'ana.seir.change': 'Dates the transmission rate changes (comma-separated)',
			'ana.seir.change.hint': 'For example 2020-01-23 (Wuhan’s lockdown). Leave empty for one rate throughout.',
			'ana.seir.change.bad': 'Write dates as 2020-01-23, several separated by commas.',
			'ana.seir.family': 'Count distribution',
			'ana.seir.nbinom': 'Negative binomial',
			'ana.seir.poisson': 'Poisson',
			'ana.seir.submit': 'Fit again',
			'ana.seir.busy': 'Fitting, about a second…',
			'ana.seir.observed': 'New cases',
			'ana.seir.fit': 'Fit',
			'ana.seir.median': 'Forecast median',
			'ana.seir.pred': '95% prediction interval',
			'ana.seir.exp': '95% interval of the mean',
			'ana.seir.tip.obs': '{date}\nnew cases {cases}\nfit {expected}',
			'ana.seir.tip.fc': '{date} (forecast)\nmedian {median}\nprediction {lower}–{upper}\nmean {expected} ({elo}–{ehi})',
			'ana.seir.clipped': 'The prediction interval reaches {max}, above the top of the chart.',
			'ana.seir.segments': 'Transmission by period',
			'ana.seir.col.from': 'From',
			'ana.seir.col.r0': 'R₀',
			'ana.seir.col.beta': 'β (per day)',
			'ana.seir.interval': '{lo}–{hi}',
			'ana.seir.interval.note': 'In small print: the 95% confidence interval.',
			'ana.seir.population': 'Population',
			'ana.seir.source.census2020': '2020 census',
			'ana.seir.fam': 'Count distribution',
			'ana.seir.size': 'Dispersion (size)',
			'ana.seir.loglik': 'Log-likelihood',
			'ana.seir.aic': 'AIC',
			'ana.seir.converged': 'Converged',
			'ana.seir.cov': 'Intervals reliable',
			'ana.yes': 'yes',
			'ana.no': 'no',
			'ana.org': 'Fever and cough check-ins',
			'ana.org.intro': 'Bars: people whose daily report had fever or cough; line: the EARS upper bound; red: days above it (alarms).',
			'ana.org.label': 'Daily fever-or-cough reports, the alarm threshold and the alarm days',
			'ana.org.dept': 'Department',
			'ana.org.all': 'Whole organisation',
			'ana.run': 'Check a day',
			'ana.run.intro': 'Every day the server checks the day before; here you can check any day again, for every region and department. New alarms are listed below.',
			'ana.run.date': 'Date',
			'ana.run.submit': 'Check',
			'ana.run.busy': 'Checking…',
			'ana.run.need': 'Choose a date.',
			'ana.run.done': '{date}: regions checked {regions}, departments checked {departments}, new signals {n}.',
			'ana.signals': 'Signals',
			'ana.signals.kind': 'Kind',
			'ana.signals.kind.all': 'All',
			'ana.signals.kind.region': 'Regions',
			'ana.signals.kind.department': 'Departments',
			'ana.signals.open_only': 'Open ones only',
			'ana.signals.col.where': 'Region or department',
			'ana.signals.col.date': 'Date',
			'ana.signals.col.count': 'Observed and bound',
			'ana.signals.col.state': 'Handling',
			'ana.signals.none': 'No signals.',
			'ana.signals.count': 'observed {observed} · bound {upper}',
			'ana.signals.open': 'Open',
			'ana.signals.acked': 'Acknowledged',
			'ana.signals.acked_by': '{who} · {time}',
			'ana.signals.ack': 'Handle',
			'ana.signals.note': 'What was done (optional)',
			'ana.signals.confirm': 'Acknowledge',
			'ana.signals.acking': 'Sending…',
			'ana.signals.conflict': 'Someone had already acknowledged this signal; the list is updated.',
			'ana.signals.org': 'Whole organisation'
		}
	});

	var $ = function (id) { return document.getElementById(id); };
	var el = fk.el;

	var VIEWS = {
		office: ['region', 'org', 'signals'],
		official: ['region', 'signals'],
		analyst: ['region', 'signals'],
		dept_head: ['org', 'signals']
	};
	var DEFAULT_REGION = '420100';
	var DEFAULT_FROM = '2020-01-10';
	var DEFAULT_TO = '2020-03-31';
	var DEFAULT_CHANGE = '2020-01-23';
	var HORIZON = 14;

	var TEAL = '#0e6b72', RED = '#c8372d', GREY = '#8a9ca2', INK = '#4d5f66';

	var session = null;
	var role = '';
	var views = [];
	var view = '';
	var loaded = {};            /* view -> loaded once */
	var depts = [];             /* the departments shown in the select, tree order */
	var signals = [];

	/* what each chart shows: {body} or {error}; drawn when its view is visible */
	var state = {rt: null, detect: null, seir: null, org: null, orgrt: null};
	var charts = {};
	var seqs = {rt: 0, detect: 0, seir: 0, org: 0, orgrt: 0, signals: 0};

	/* ---- numbers --------------------------------------------------------- */

	function locale() {
		return fk.lang() === 'en' ? 'en-GB' : 'zh-CN';
	}

	function isNum(v) {
		return typeof v === 'number' && isFinite(v);
	}

	/* v with exactly `digits` decimals, grouped; '—' for NA. */
	function num(v, digits) {
		if (!isNum(v))
			return '—';
		return new Intl.NumberFormat(locale(), {minimumFractionDigits: digits || 0,
							 maximumFractionDigits: digits || 0}).format(v);
	}

	/* v to 3 significant digits (a rate such as β). */
	function sig(v) {
		if (!isNum(v))
			return '—';
		return new Intl.NumberFormat(locale(), {maximumSignificantDigits: 3}).format(v);
	}

	/* A count that may be an expected value: whole above 100, one decimal below. */
	function count(v) {
		if (!isNum(v))
			return '—';
		return num(v, Math.abs(v) >= 100 || v === Math.round(v) ? 0 : 1);
	}

	function shortDate(d) {
		return fk.fmtDate(d, {year: undefined});
	}

	function axisDate(d) {
		return fk.fmtDate(d, {year: undefined, month: 'numeric'});
	}

	/* ---- errors shown in place of a chart --------------------------------- */

	/* A failed response as a function giving the message in the current
	 * language: the server's message (and field) when it sent one. */
	async function failure(res) {
		var e = await fk.readError(res);
		if (e.status === 403)
			return function () { return fk.t('err.forbidden'); };
		if (e.status === 502 || e.status === 503 || e.status === 504)
			return function () { return fk.t('err.unavailable'); };
		if (!e.body || !e.body.error)
			return function () { return fk.t('ana.err.status', {status: e.status}); };
		return function () {
			return fk.t(e.field ? 'ana.err.field' : 'ana.err', {message: e.message, field: e.field});
		};
	}

	function networkFailure() {
		return function () { return fk.t('err.network'); };
	}

	/* ---- charts -------------------------------------------------------- */

	function visible(node) {
		return !!node && node.getClientRects().length > 0;
	}

	function chartOf(key, box) {
		if (!charts[key])
			charts[key] = window.echarts.init(box, null, {renderer: 'canvas'});
		return charts[key];
	}

	/* Show what state[key] holds in its card: the chart, or the error in its place. */
	function draw(key) {
		var box = $(key + '-chart');
		var err = $(key + '-error');
		var st = state[key];
		if (!st || !visible(box.parentNode))
			return;
		if (st.error) {
			if (charts[key])
				charts[key].clear();
			box.hidden = true;
			fk.showMessage(err, st.error);
			return;
		}
		fk.showMessage(err, null);
		if (!window.echarts) {
			box.hidden = true;
			fk.showMessage(err, 'ana.nochart');
			return;
		}
		box.hidden = false;
		var chart = chartOf(key, box);
		chart.resize();
		chart.setOption(DRAW[key](st.body), {notMerge: true});
	}

	function base() {
		return {
			animation: false,
			textStyle: {fontFamily: getComputedStyle(document.body).fontFamily},
			grid: {left: 8, right: 12, top: 40, bottom: 8, containLabel: true}
		};
	}

	function dateAxis(days) {
		return {type: 'category', data: days, boundaryGap: true,
			axisLabel: {formatter: axisDate, hideOverlap: true}, axisTick: {alignWithLabel: true}};
	}

	/* The lower bound and the width of a band, null where either end is missing. */
	function band(items, lo, hi) {
		var low = [], width = [];
		items.forEach(function (x) {
			var a = x ? x[lo] : null, b = x ? x[hi] : null;
			var ok = isNum(a) && isNum(b);
			low.push(ok ? a : null);
			width.push(ok ? b - a : null);
		});
		return {low: low, width: width};
	}

	/* The two series of a band: the lower bound, invisible and out of the
	 * legend, and the width stacked on it and filled (colour; key: the
	 * legend's swatch). */
	function bandSeries(id, name, stack, b, colour, key) {
		return [
			{id: id + '-lo', name: id + '-lo', type: 'line', stack: stack, data: b.low, symbol: 'none',
			 lineStyle: {opacity: 0}, itemStyle: {color: key}, silent: true, connectNulls: false, z: 1},
			{id: id + '-band', name: name, type: 'line', stack: stack, data: b.width, symbol: 'none',
			 lineStyle: {opacity: 0}, areaStyle: {color: colour, opacity: 1}, itemStyle: {color: key},
			 silent: true, connectNulls: false, z: 1}
		];
	}

	function legend(names, bands) {
		return {top: 0, left: 0, itemWidth: 14, itemHeight: 10, data: names.map(function (n) {
			return bands.indexOf(n) >= 0 ? {name: n, icon: 'roundRect'} : n;
		})};
	}

	function tooltip(formatter) {
		return {trigger: 'axis', renderMode: 'richText', confine: true, formatter: function (ps) {
			var i = ps && ps.length ? ps[0].dataIndex : -1;
			return i < 0 ? '' : formatter(i);
		}};
	}

	/* Rt: mean line over the band, a dashed line at 1. */
	function rtOption(body) {
		var items = body.items || [];
		var days = items.map(function (x) { return x.date_end; });
		var b = band(items, 'q025', 'q975');
		var o = base();
		o.legend = legend([fk.t('ana.rt.mean'), fk.t('ana.rt.band')], [fk.t('ana.rt.band')]);
		o.tooltip = tooltip(function (i) {
			var x = items[i];
			var when = {from: shortDate(x.date_start), to: shortDate(x.date_end)};
			if (!isNum(x.mean))
				return fk.t('ana.rt.tip.na', when);
			return fk.t('ana.rt.tip', Object.assign(when, {mean: num(x.mean, 2), lo: num(x.q025, 2),
								     hi: num(x.q975, 2)}));
		});
		o.xAxis = dateAxis(days);
		o.yAxis = {type: 'value', min: 0, axisLabel: {formatter: function (v) { return num(v, v % 1 ? 1 : 0); }}};
		o.series = bandSeries('rt', fk.t('ana.rt.band'), 'rt', b, 'rgba(14,107,114,0.22)', 'rgba(14,107,114,0.45)').concat([{
			id: 'rt-mean', name: fk.t('ana.rt.mean'), type: 'line', connectNulls: false,
			data: items.map(function (x) { return isNum(x.mean) ? x.mean : null; }),
			showSymbol: false, symbolSize: 5, lineStyle: {width: 2, color: TEAL}, itemStyle: {color: TEAL}, z: 3,
			markLine: {silent: true, symbol: 'none', data: [{yAxis: 1}],
				   lineStyle: {type: 'dashed', color: RED, width: 1.5},
				   label: {position: 'insideEndTop', formatter: 'Rt = 1', color: RED}}
		}]);
		return o;
	}

	/* EARS: observed bars (red on alarm days), the upper bound, markers on alarms. */
	function detectOption(body, what) {
		var items = body.items || [];
		var days = items.map(function (x) { return x.date; });
		var o = base();
		o.legend = {top: 0, left: 0, itemWidth: 14, itemHeight: 10,
			    data: [fk.t(what), fk.t('ana.detect.upper'), fk.t('ana.detect.alarm')]};
		o.tooltip = tooltip(function (i) {
			var x = items[i];
			return fk.t('ana.detect.tip', {date: fk.fmtDate(x.date), what: fk.t(what), observed: count(x.observed),
						       upper: count(x.upperbound),
						       alarm: x.alarm === true ? fk.t('ana.detect.tip.alarm') : ''});
		});
		o.xAxis = dateAxis(days);
		o.yAxis = {type: 'value', min: 0, minInterval: 1, boundaryGap: [0, '12%']};
		o.series = [
			{id: 'observed', name: fk.t(what), type: 'bar', barMaxWidth: 14, itemStyle: {color: GREY},
			 data: items.map(function (x) {
				 return x.alarm === true ? {value: x.observed, itemStyle: {color: RED}} : x.observed;
			 })},
			{id: 'upperbound', name: fk.t('ana.detect.upper'), type: 'line', step: false, connectNulls: false,
			 showSymbol: false, lineStyle: {width: 2, color: INK, type: 'dashed'}, itemStyle: {color: INK},
			 data: items.map(function (x) { return isNum(x.upperbound) ? x.upperbound : null; })},
			{id: 'alarms', name: fk.t('ana.detect.alarm'), type: 'scatter', symbol: 'triangle', symbolSize: 11,
			 symbolRotate: 180, symbolOffset: [0, -12], itemStyle: {color: RED}, z: 4,
			 data: items.filter(function (x) { return x.alarm === true; })
				 .map(function (x) { return [x.date, x.observed]; })}
		];
		return o;
	}

	/* SEIR: observed points, the fitted mean, the forecast median and its two bands. */
	function seirOption(body) {
		var obs = body.observed || [];
		var fc = body.forecast || [];
		var days = obs.map(function (x) { return x.date; }).concat(fc.map(function (x) { return x.date; }));
		var pad = obs.map(function () { return null; });
		var pred = band(pad.concat(fc), 'lower', 'upper');
		var expb = band(pad.concat(fc), 'expected_lower', 'expected_upper');
		/* the top of the chart: the prediction band may reach far above the rest */
		var top = 0, upper = 0;
		obs.forEach(function (x) {
			top = Math.max(top, isNum(x.cases) ? x.cases : 0, isNum(x.expected) ? x.expected : 0);
		});
		fc.forEach(function (x) {
			top = Math.max(top, isNum(x.median) ? x.median : 0, isNum(x.expected_upper) ? x.expected_upper : 0);
			upper = Math.max(upper, isNum(x.upper) ? x.upper : 0);
		});
		var clip = upper > 4 * top && top > 0;
		var o = base();
		o.legend = legend([fk.t('ana.seir.observed'), fk.t('ana.seir.fit'), fk.t('ana.seir.median'),
				   fk.t('ana.seir.pred'), fk.t('ana.seir.exp')], [fk.t('ana.seir.pred'), fk.t('ana.seir.exp')]);
		/* the legend takes two or three lines on a phone */
		o.grid.top = $('seir-chart').clientWidth >= 480 ? 48 : fk.lang() === 'en' ? 92 : 72;
		o.tooltip = tooltip(function (i) {
			if (i < obs.length) {
				var x = obs[i];
				return fk.t('ana.seir.tip.obs', {date: fk.fmtDate(x.date), cases: count(x.cases),
								 expected: count(x.expected)});
			}
			var f = fc[i - obs.length];
			return fk.t('ana.seir.tip.fc', {date: fk.fmtDate(f.date), median: count(f.median),
							lower: count(f.lower), upper: count(f.upper), expected: count(f.expected),
							elo: count(f.expected_lower), ehi: count(f.expected_upper)});
		});
		o.xAxis = dateAxis(days);
		o.yAxis = {type: 'value', min: 0, max: clip ? Math.ceil(top * 1.5) : null,
			   axisLabel: {formatter: function (v) { return num(v, 0); }}};
		var changes = (body.change || []).filter(function (d) { return days.indexOf(d) >= 0; });
		o.series = bandSeries('seir-pred', fk.t('ana.seir.pred'), 'pred', pred, 'rgba(208,97,43,0.16)', 'rgba(208,97,43,0.35)')
			.concat(bandSeries('seir-exp', fk.t('ana.seir.exp'), 'exp', expb, 'rgba(208,97,43,0.30)', 'rgba(208,97,43,0.6)'))
			.concat([
				{id: 'seir-fit', name: fk.t('ana.seir.fit'), type: 'line', showSymbol: false, connectNulls: false,
				 lineStyle: {width: 2.5, color: TEAL}, itemStyle: {color: TEAL}, z: 3,
				 data: obs.map(function (x) { return isNum(x.expected) ? x.expected : null; })
					 .concat(fc.map(function () { return null; })),
				 markLine: {silent: true, symbol: 'none', lineStyle: {type: 'dashed', color: '#6b4fbb', width: 1.5},
					    label: {formatter: function (p) { return axisDate(p.value); }, color: '#6b4fbb'},
					    data: changes.map(function (d) { return {xAxis: d}; })}},
				{id: 'seir-median', name: fk.t('ana.seir.median'), type: 'line', showSymbol: false,
				 connectNulls: false, lineStyle: {width: 2.5, color: '#d0612b'}, itemStyle: {color: '#d0612b'}, z: 3,
				 data: pad.concat(fc.map(function (x) { return isNum(x.median) ? x.median : null; }))},
				{id: 'seir-observed', name: fk.t('ana.seir.observed'), type: 'scatter', symbolSize: 5,
				 itemStyle: {color: '#1d2a30'}, z: 4,
				 data: obs.filter(function (x) { return isNum(x.cases); })
					 .map(function (x) { return [x.date, x.cases]; })}
			]);
		return o;
	}

	var DRAW = {
		rt: rtOption,
		detect: function (b) { return detectOption(b, 'ana.detect.observed'); },
		seir: seirOption,
		org: function (b) { return detectOption(b, 'ana.detect.checkins'); },
		orgrt: rtOption
	};

	/* ---- texts beside the charts ----------------------------------------- */

	function detectSummary(key) {
		var st = state[key];
		var box = $(key + '-summary');
		var badge = $(key + '-count');
		if (!st || st.error) {
			box.textContent = '';
			badge.textContent = '';
			return;
		}
		var alarms = (st.body.items || []).filter(function (x) { return x.alarm === true; });
		var method = 'EARS ' + (st.body.method || '');
		badge.textContent = alarms.length ? String(alarms.length) : '';
		if (!alarms.length) {
			box.textContent = fk.t('ana.detect.none', {method: method});
			return;
		}
		var shown = alarms.slice(-6).map(function (x) { return shortDate(x.date); });
		box.textContent = fk.t('ana.detect.some', {method: method, n: alarms.length,
			dates: (alarms.length > 6 ? fk.t('ana.detect.more') + ' ' : '')
				+ shown.join(fk.lang() === 'en' ? ', ' : '、')});
	}

	function rtSummary(key) {
		var st = state[key];
		var box = $(key + '-summary');
		var empty = $(key + '-empty');
		box.textContent = '';
		empty.hidden = true;
		if (!st || st.error)
			return;
		var est = (st.body.items || []).filter(function (x) { return isNum(x.mean); });
		if (!est.length) {
			empty.hidden = false;
			return;
		}
		var x = est[est.length - 1];
		box.textContent = fk.t('ana.rt.latest', {date: shortDate(x.date_end), mean: num(x.mean, 2),
							 lo: num(x.q025, 2), hi: num(x.q975, 2)})
			+ (x.q975 < 1 ? fk.t('ana.rt.below') : x.q025 > 1 ? fk.t('ana.rt.above') : '')
			+ (fk.lang() === 'en' ? '.' : '。');
	}

	function seirTable() {
		var st = state.seir;
		var wrap = $('seir-fit');
		var clipped = $('seir-clipped');
		clipped.hidden = true;
		if (!st || st.error) {
			wrap.hidden = true;
			return;
		}
		var b = st.body, fit = b.fit || {};
		var tb = $('seir-segments').tBodies[0];
		fk.clear(tb);
		(fit.segments || []).forEach(function (s, i) {
			var from = s.from || (i === 0 ? b.from : '');
			tb.appendChild(el('tr', {'data-from': from}, [
				el('th', {scope: 'row', text: from ? fk.fmtDate(from, {month: 'numeric'}) : '—'}),
				el('td', {className: 'num', 'data-key': 'r0'}, [
					el('span', {className: 'ana-value', text: num(s.r0, 2)}),
					el('span', {className: 'muted ana-interval',
						    text: fk.t('ana.seir.interval', {lo: num(s.r0_lo, 2), hi: num(s.r0_hi, 2)})})
				]),
				el('td', {className: 'num', 'data-key': 'beta'}, [
					el('span', {className: 'ana-value', text: sig(s.beta)}),
					el('span', {className: 'muted ana-interval',
						    text: fk.t('ana.seir.interval', {lo: sig(s.beta_lo), hi: sig(s.beta_hi)})})
				])
			]));
		});
		var facts = $('seir-facts');
		fk.clear(facts);
		function fact(key, value) {
			facts.appendChild(el('div', {}, [el('dt', {i18n: key}), el('dd', {text: value})]));
		}
		if (isNum(b.population))
			fact('ana.seir.population', num(b.population, 0) + (b.population_source
				? ' · ' + (fk.t('ana.seir.source.' + b.population_source) === 'ana.seir.source.' + b.population_source
					   ? fk.text(b.population_source) : fk.t('ana.seir.source.' + b.population_source))
				: ''));
		fact('ana.seir.fam', fk.t(b.family === 'poisson' ? 'ana.seir.poisson' : 'ana.seir.nbinom'));
		if (isNum(fit.size))
			fact('ana.seir.size', sig(fit.size));
		fact('ana.seir.loglik', num(fit.loglik, 1));
		fact('ana.seir.aic', num(fit.aic, 1));
		if (fit.converged !== undefined)
			fact('ana.seir.converged', fk.t(fit.converged ? 'ana.yes' : 'ana.no'));
		if (fit.covariance_ok !== undefined)
			fact('ana.seir.cov', fk.t(fit.covariance_ok ? 'ana.yes' : 'ana.no'));
		var warn = $('seir-warnings');
		fk.clear(warn);
		(b.warnings || []).forEach(function (w) {
			warn.appendChild(el('li', {className: 'alert alert-warn', text: typeof w === 'object' && w.message
				? w.message : fk.text(w)}));
		});
		var upper = 0;
		(b.forecast || []).forEach(function (x) { upper = Math.max(upper, isNum(x.upper) ? x.upper : 0); });
		var chart = charts.seir;
		var max = chart && chart.getOption && chart.getOption().yAxis[0].max;
		if (isNum(max) && upper > max) {
			clipped.textContent = fk.t('ana.seir.clipped', {max: num(upper, 0)});
			clipped.hidden = false;
		}
		wrap.hidden = false;
	}

	function render(key) {
		draw(key);
		if (key === 'rt' || key === 'orgrt')
			rtSummary(key);
		else if (key === 'detect' || key === 'org')
			detectSummary(key);
		else if (key === 'seir')
			seirTable();
	}

	/* ---- loading ------------------------------------------------------- */

	async function fetchInto(key, url) {
		var my = ++seqs[key];
		var card = $(key + '-chart').parentNode;
		card.setAttribute('aria-busy', 'true');
		card.setAttribute('data-state', 'loading');
		var st;
		try {
			var g = await fk.get(url);
			st = g.body ? {body: g.body} : {error: await failure(g.res)};
		} catch (e) {
			st = {error: networkFailure()};
		}
		if (my !== seqs[key])
			return;
		state[key] = st;
		card.removeAttribute('aria-busy');
		card.setAttribute('data-state', st.error ? 'error' : 'ready');
		render(key);
	}

	function query(params) {
		return Object.keys(params).filter(function (k) {
			return params[k] !== '' && params[k] !== null && params[k] !== undefined;
		}).map(function (k) {
			return encodeURIComponent(k) + '=' + encodeURIComponent(params[k]);
		}).join('&');
	}

	function regionParams() {
		return {region: $('region').value.trim(), from: $('from').value, to: $('to').value};
	}

	function loadRt() {
		return fetchInto('rt', '/api/v1/analytics/rt?' + query(regionParams()));
	}

	function loadDetect() {
		var p = Object.assign({scope: 'region'}, regionParams(), {method: $('method').value});
		return fetchInto('detect', '/api/v1/analytics/detect?' + query(p));
	}

	function changeDates() {
		var raw = $('change').value.trim();
		if (!raw)
			return [];
		var parts = raw.split(/[\s,，、;]+/).filter(Boolean);
		for (var i = 0; i < parts.length; i++)
			if (!/^\d{4}-\d{2}-\d{2}$/.test(parts[i]))
				return null;
		return parts;
	}

	async function loadSeir() {
		var change = changeDates();
		if (change === null) {
			$('change').setAttribute('aria-invalid', 'true');
			++seqs.seir;
			state.seir = {error: function () { return fk.t('ana.seir.change.bad'); }};
			$('seir-card').setAttribute('data-state', 'error');
			return render('seir');
		}
		$('change').removeAttribute('aria-invalid');
		var p = Object.assign(regionParams(), {change: change.join(','), family: $('family').value,
						       horizon: HORIZON});
		$('seir-busy').hidden = false;
		$('seir-submit').disabled = true;
		try {
			await fetchInto('seir', '/api/v1/analytics/seir?' + query(p));
		} finally {
			$('seir-busy').hidden = true;
			$('seir-submit').disabled = false;
		}
	}

	/* Rt of the cases registered here: for the roles that may ask (not heads) */
	function mayOrgRt() {
		return role === 'office';
	}

	function loadOrg() {
		var p = {scope: 'checkins', department: $('org-dept').value, method: $('org-method').value,
			 from: $('org-from').value, to: $('org-to').value};
		if (mayOrgRt())
			fetchInto('orgrt', '/api/v1/analytics/rt?' + query({scope: 'org', from: p.from, to: p.to}));
		return fetchInto('org', '/api/v1/analytics/detect?' + query(p));
	}

	/* ---- the region view ------------------------------------------------ */

	var nameSeq = 0;

	async function showRegionName() {
		var code = $('region').value.trim();
		var box = $('region-name');
		var my = ++nameSeq;
		box.removeAttribute('data-state');
		if (!/^\d{6}$/.test(code)) {
			box.textContent = '';
			return;
		}
		var name = await fk.regionName(code);
		if (my !== nameSeq)
			return;
		if (!name)
			box.setAttribute('data-state', 'bad');
		box.textContent = name || fk.t('ana.region.unknown');
	}

	function checkRange(from, to, box) {
		if (!from.value || !to.value || from.value > to.value) {
			fk.showMessage(box, 'ana.range.bad');
			return false;
		}
		return true;
	}

	function loadRegion() {
		var box = $('region-form-error');
		var code = $('region').value.trim();
		if (!/^\d{6}$/.test(code)) {
			$('region').setAttribute('aria-invalid', 'true');
			return fk.showMessage(box, 'ana.region.need');
		}
		$('region').removeAttribute('aria-invalid');
		if (!checkRange($('from'), $('to'), box))
			return;
		fk.showMessage(box, null);
		loaded.region = true;
		setUrl();
		loadRt();
		loadDetect();
		loadSeir();
	}

	/* ---- the organisation view ------------------------------------------ */

	async function loadDepartments() {
		var sel = $('org-dept');
		var items = [];
		try {
			var g = await fk.get('/api/v1/departments');
			items = (g.body && g.body.items) || [];
		} catch (e) {
			items = [];
		}
		var path = function (d) { return d.path || '/' + d.id + '/'; };
		var mine = session.user.department_id;
		if (role === 'dept_head')
			items = items.filter(function (d) { return path(d).indexOf('/' + mine + '/') >= 0; });
		items.sort(function (a, b) {
			var pa = path(a).split('/').filter(Boolean).map(Number);
			var pb = path(b).split('/').filter(Boolean).map(Number);
			for (var i = 0; i < Math.min(pa.length, pb.length); i++)
				if (pa[i] !== pb[i])
					return pa[i] - pb[i];
			return pa.length - pb.length;
		});
		var top = items.length ? Math.min.apply(null, items.map(function (d) {
			return path(d).split('/').filter(Boolean).length;
		})) : 1;
		depts = items.map(function (d) {
			return {id: d.id, name: d.name, depth: path(d).split('/').filter(Boolean).length - top};
		});
		fillDepartments(role === 'dept_head' ? String(mine) : '');
	}

	function fillDepartments(selected) {
		var sel = $('org-dept');
		var keep = selected !== undefined ? selected : sel.value;
		fk.clear(sel);
		if (role === 'office')
			sel.appendChild(el('option', {value: '', text: fk.t('ana.org.all')}));
		depts.forEach(function (d) {
			sel.appendChild(el('option', {value: String(d.id),
						      text: new Array(Math.min(d.depth, 3) + 1).join('\u3000') + d.name}));
		});
		sel.value = keep;
		if (sel.value !== keep && sel.options.length)
			sel.selectedIndex = 0;
	}

	function submitOrg() {
		var box = $('org-error');
		if (!checkRange($('org-from'), $('org-to'), box)) {
			$('org-chart').hidden = true;
			return;
		}
		loaded.org = true;
		loadOrg();
	}

	/* ---- signals ------------------------------------------------------- */

	function canAck() {
		return role === 'office' || role === 'dept_head' || role === 'official';
	}

	function canRun() {
		return role === 'office' || role === 'official';
	}

	function isAcked(s) {
		return !!(s.acked_at || s.acked_by);
	}

	function signalPlace(s) {
		if (s.kind === 'region')
			return s.region_name || s.region_code || '';
		return s.department || (s.department_id ? '#' + s.department_id : fk.t('ana.signals.org'));
	}

	function ackForm(s, row) {
		var id = 'sig-' + s.id;
		var error = el('div', {className: 'alert alert-error', role: 'alert', 'data-message': true, hidden: true});
		var submit = el('button', {type: 'submit', className: 'btn btn-primary', i18n: 'ana.signals.confirm'});
		var form = el('form', {className: 'form ack-form sig-ack-form', 'data-signal-id': s.id}, [
			el('div', {className: 'field'}, [
				el('label', {'for': id + '-note', i18n: 'ana.signals.note'}),
				el('input', {type: 'text', id: id + '-note', name: 'note', maxLength: 200, autocomplete: 'off'})
			]),
			error,
			submit
		]);
		form.addEventListener('submit', async function (ev) {
			ev.preventDefault();
			if (submit.disabled)
				return;
			fk.showMessage(error, null);
			submit.disabled = true;
			submit.setAttribute('data-i18n', 'ana.signals.acking');
			submit.textContent = fk.t('ana.signals.acking');
			var got;
			try {
				got = await fk.send('POST', '/api/v1/analytics/signals/' + encodeURIComponent(s.id) + '/ack',
						    {note: form.elements.note.value.trim()});
			} catch (e) {
				got = null;
			}
			submit.disabled = false;
			submit.setAttribute('data-i18n', 'ana.signals.confirm');
			submit.textContent = fk.t('ana.signals.confirm');
			if (!got)
				return fk.showMessage(error, 'err.network');
			if (got.res.status === 409) {
				fk.showMessage($('signals-error'), 'ana.signals.conflict');
				return loadSignals(true);
			}
			if (!got.res.ok)
				return fk.showMessage(error, await failure(got.res));
			var updated = Object.assign({}, s, got.body || {});
			if (!isAcked(updated))
				updated.acked_at = Math.floor(Date.now() / 1000);
			signals = signals.map(function (x) { return x.id === s.id ? updated : x; });
			row.replaceWith(signalRow(updated));
			renderSignalCount();
		});
		return el('details', {className: 'ack-details sig-ack'}, [
			el('summary', {className: 'btn btn-outline', i18n: 'ana.signals.ack'}),
			form
		]);
	}

	function signalRow(s) {
		var acked = isAcked(s);
		var row = el('tr', {'data-signal-id': s.id, 'data-kind': s.kind, 'data-date': s.date,
				    'data-state': acked ? 'acked' : 'open',
				    'data-region': s.region_code || null,
				    'data-department-id': s.department_id || null});
		var kindTag = fk.live(el('span', {className: 'tag sig-kind sig-kind-' + s.kind}), function () {
			return fk.t('ana.signals.kind.' + s.kind);
		});
		row.appendChild(el('th', {scope: 'row', className: 'sig-where'}, [
			el('span', {className: 'sig-place', text: signalPlace(s)}),
			el('span', {className: 'muted region-sub'}, [kindTag, ' ',
				(s.kind === 'region' && s.region_code ? s.region_code + ' · ' : '') + 'EARS ' + (s.method || '')])
		]));
		row.appendChild(fk.live(el('td', {className: 'sig-date'}), function () { return fk.fmtDate(s.date); }));
		row.appendChild(fk.live(el('td', {className: 'num sig-count'}), function () {
			return fk.t('ana.signals.count', {observed: count(s.observed), upper: num(s.upperbound, 1)});
		}));
		var cell = el('td', {className: 'sig-state'});
		if (acked) {
			cell.appendChild(fk.live(el('span', {className: 'alert-state state-acked'}), function () {
				return fk.t('ana.signals.acked');
			}));
			cell.appendChild(fk.live(el('span', {className: 'muted sig-by'}), function () {
				return fk.t('ana.signals.acked_by', {who: s.acked_by || '', time: fk.fmtTime(s.acked_at)});
			}));
			if (s.note)
				cell.appendChild(el('span', {className: 'sig-note', text: s.note}));
		} else {
			cell.appendChild(fk.live(el('span', {className: 'alert-state state-open'}), function () {
				return fk.t('ana.signals.open');
			}));
			if (canAck())
				cell.appendChild(ackForm(s, row));
		}
		row.appendChild(cell);
		return row;
	}

	function renderSignalCount() {
		var open = signals.filter(function (s) { return !isAcked(s); }).length;
		var badge = $('signals-count');
		badge.textContent = signals.length ? (open ? open + ' / ' + signals.length : String(signals.length)) : '';
		badge.classList.toggle('count-alert', open > 0);
	}

	function renderSignals() {
		var tb = $('sig-table').tBodies[0];
		fk.clear(tb);
		signals.forEach(function (s) { tb.appendChild(signalRow(s)); });
		$('signals-none').hidden = signals.length > 0;
		$('sig-table').hidden = !signals.length;
		renderSignalCount();
	}

	async function loadSignals(keepMessage) {
		var my = ++seqs.signals;
		var box = $('signals-error');
		if (!keepMessage)
			fk.showMessage(box, null);
		var p = {kind: $('sig-kind').value, open: $('sig-open').checked ? 1 : '', limit: 100};
		var card = $('signals-card');
		card.setAttribute('aria-busy', 'true');
		var g;
		try {
			g = await fk.get('/api/v1/analytics/signals?' + query(p));
		} catch (e) {
			g = null;
		}
		if (my !== seqs.signals)
			return;
		card.removeAttribute('aria-busy');
		if (!g || !g.body) {
			signals = [];
			renderSignals();
			$('signals-none').hidden = true;
			return fk.showMessage(box, g ? await failure(g.res) : 'err.network');
		}
		signals = g.body.items || [];
		renderSignals();
		card.setAttribute('data-state', 'ready');
	}

	async function runDetection(ev) {
		ev.preventDefault();
		var box = $('run-error');
		var done = $('run-done');
		done.hidden = true;
		var date = $('run-date').value;
		if (!date)
			return fk.showMessage(box, 'ana.run.need');
		fk.showMessage(box, null);
		var btn = $('run-submit');
		btn.disabled = true;
		btn.setAttribute('data-i18n', 'ana.run.busy');
		btn.textContent = fk.t('ana.run.busy');
		var got;
		try {
			got = await fk.send('POST', '/api/v1/analytics/detect/run', {date: date});
		} catch (e) {
			got = null;
		}
		btn.disabled = false;
		btn.setAttribute('data-i18n', 'ana.run.submit');
		btn.textContent = fk.t('ana.run.submit');
		if (!got)
			return fk.showMessage(box, 'err.network');
		if (!got.res.ok)
			return fk.showMessage(box, await failure(got.res));
		var r = got.body || {};
		fk.live(done, function () {
			return fk.t('ana.run.done', {date: fk.fmtDate(r.date || date), regions: r.regions_checked || 0,
						     departments: r.departments_checked || 0, n: r.new_signals || 0});
		});
		done.hidden = false;
		loadSignals();
	}

	/* ---- views and the URL ---------------------------------------------- */

	function setUrl() {
		var p = {view: view};
		if (view === 'region')
			p = Object.assign(p, regionParams(), {method: $('method').value});
		window.history.replaceState(null, '', '/analytics.html?' + query(p));
	}

	function setView(v) {
		if (views.indexOf(v) < 0)
			v = views[0];
		view = v;
		['region', 'org', 'signals'].forEach(function (name) {
			$(name + '-view').hidden = name !== v;
			$('view-' + name).checked = name === v;
		});
		setUrl();
		if (v === 'region') {
			if (!loaded.region)
				loadRegion();
			['rt', 'detect', 'seir'].forEach(render);
		} else if (v === 'org') {
			if (!loaded.org)
				submitOrg();
			render('org');
			render('orgrt');
		} else if (!loaded.signals) {
			loaded.signals = true;
			loadSignals();
		}
	}

	function wire() {
		document.querySelectorAll('#view-switch input[name="view"]').forEach(function (r) {
			r.addEventListener('change', function () {
				if (r.checked)
					setView(r.value);
			});
		});
		$('region').addEventListener('input', showRegionName);
		fk.suggestRegions($('region'), $('region-list'));
		$('region-form').addEventListener('submit', function (ev) {
			ev.preventDefault();
			loadRegion();
		});
		$('method').addEventListener('change', function () {
			setUrl();
			loadDetect();
		});
		$('seir-form').addEventListener('submit', function (ev) {
			ev.preventDefault();
			loadSeir();
		});
		$('org-form').addEventListener('submit', function (ev) {
			ev.preventDefault();
			submitOrg();
		});
		$('org-dept').addEventListener('change', submitOrg);
		$('org-method').addEventListener('change', submitOrg);
		$('signals-filters').addEventListener('submit', function (ev) { ev.preventDefault(); });
		$('sig-kind').addEventListener('change', function () { loadSignals(); });
		$('sig-open').addEventListener('change', function () { loadSignals(); });
		$('run-form').addEventListener('submit', runDetection);
		var timer = 0;
		window.addEventListener('resize', function () {
			clearTimeout(timer);
			timer = setTimeout(function () {
				Object.keys(charts).forEach(function (k) {
					if (visible($(k + '-chart')))
						charts[k].resize();
				});
			}, 100);
		});
	}

	fk.onChange(function () {
		if (!session)
			return;
		document.title = fk.t('ana.doctitle');
		fillDepartments();
		['rt', 'detect', 'seir', 'org', 'orgrt'].forEach(render);
	});

	async function load() {
		var pageError = $('page-error');
		session = await fk.start({page: 'analytics', roles: ['office', 'official', 'analyst', 'dept_head'],
					  errorBox: pageError});
		$('loading').hidden = true;
		if (!session)
			return;
		role = session.user.role;
		views = VIEWS[role] || [];
		document.querySelectorAll('#view-switch [data-view]').forEach(function (l) {
			l.hidden = views.indexOf(l.getAttribute('data-view')) < 0;
		});
		$('view-switch').hidden = views.length < 2;
		$('run-card').hidden = !canRun();
		$('orgrt-card').hidden = !mayOrgRt();
		/* who sees which kinds of signal: heads their departments, officials
		 * and analysts regions, the office both */
		var kinds = role === 'office' ? ['', 'region', 'department']
			: role === 'dept_head' ? ['department'] : ['region'];
		Array.prototype.forEach.call($('sig-kind').options, function (o) {
			o.hidden = kinds.indexOf(o.value) < 0;
			o.disabled = o.hidden;
		});
		$('sig-kind').value = kinds[0];
		$('sig-kind-field').hidden = kinds.length < 2;

		var p = new URLSearchParams(window.location.search);
		var date = /^\d{4}-\d{2}-\d{2}$/;
		var code = p.get('region') || '';
		$('region').value = /^\d{6}$/.test(code) ? code : DEFAULT_REGION;
		$('from').value = date.test(p.get('from') || '') ? p.get('from') : DEFAULT_FROM;
		$('to').value = date.test(p.get('to') || '') ? p.get('to') : DEFAULT_TO;
		var m = p.get('method') || '';
		$('method').value = /^C[123]$/.test(m) ? m : 'C2';
		$('change').value = p.has('change') ? p.get('change') : DEFAULT_CHANGE;
		var today = fk.today();
		$('org-to').value = today;
		$('org-from').value = fk.addDays(today, -59);
		$('org-method').value = 'C2';
		$('run-date').value = fk.addDays(today, -1);
		$('run-date').max = today;
		showRegionName();
		wire();
		if (views.indexOf('org') >= 0)
			await loadDepartments();
		$('content').hidden = false;
		setView(p.get('view') || views[0]);
	}

	load();
})();
