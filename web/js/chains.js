/*
 * chains.js -- web: transmission chains (chains.html) for officials, the
 * office and analysts (analysts get no names: cases are "#id").
 *
 * GET /api/v1/chains?from=&to= (report dates; default the last 14 days)
 * gives the cases with their generation, chain and most likely infector,
 * the edges infector -> infectee, the chains (size, generations, whether a
 * cluster) and the indicators over the new cases of the range: the share
 * that were known close contacts, that are in a known chain, and that have
 * no known source.
 *
 * The graph is an ECharts 'graph' series with a force layout: a node per
 * case, an arrow per edge, coloured by generation or by chain (a switch),
 * cases of a cluster drawn as diamonds.  Its tooltip is drawn in the canvas
 * (renderMode richText): an HTML tooltip would need inline styles, which
 * the Content-Security-Policy refuses.  The same facts are in the tables
 * below (and are all there is without ECharts).  Officials and analysts
 * also get the serial intervals as CSV.
 */
(function () {
	'use strict';

	fk.extend({
		'zh-CN': {
			'chains.doctitle': '传播链 · 防控',
			'chains.title': '传播链',
			'chains.from': '报告日期从',
			'chains.to': '到',
			'chains.apply': '查看',
			'chains.indicators': '指标',
			'chains.ind.new': '新增病例',
			'chains.ind.known': '来自已知密接',
			'chains.ind.chains': '在已知传播链中',
			'chains.ind.unknown': '来源不明',
			'chains.ind.of': '{n} 例',
			'chains.ind.range': '{from}–{to}',
			'chains.graph': '病例关系图',
			'chains.colour_by': '着色',
			'chains.by.generation': '按代际',
			'chains.by.chain': '按传播链',
			'chains.graph.intro': '箭头从传染者指向被传染者。菱形为聚集性疫情中的病例。',
			'chains.graph.label': '病例之间的传播关系图',
			'chains.graph.empty': '这段时间没有病例。',
			'dash.chart.missing.chains': '图表组件没有加载，下表列出同样的内容。',
			'chains.gen': '第 {n} 代',
			'chains.chain': '传播链 {n}',
			'chains.alone': '散发',
			'chains.list': '传播链',
			'chains.none': '没有两例以上相连的传播链。',
			'chains.item': '传播链 {id}：{size} 例，{generations} 代',
			'chains.item.dates': '报告于 {first}–{last}',
			'chains.cluster': '聚集性疫情',
			'chains.cases': '病例',
			'chains.col.case': '病例',
			'chains.col.class': '分类',
			'chains.col.onset': '发病',
			'chains.col.generation': '代际',
			'chains.col.chain': '链',
			'chains.col.source': '传染来源',
			'chains.known_contact': '已知密接',
			'chains.tip': '{name}\n{cls} · 第 {gen} 代\n发病 {onset}',
			'chains.si': '代际间隔',
			'chains.si.intro': '每对传染者和被传染者的发病间隔（天），只有病例编号和日期，可用于估计 Rt。',
			'chains.si.download': '下载 CSV'
		},
		en: {
			'chains.doctitle': 'Transmission chains · Fangkong',
			'chains.title': 'Transmission chains',
			'chains.from': 'Reported from',
			'chains.to': 'to',
			'chains.apply': 'Show',
			'chains.indicators': 'Indicators',
			'chains.ind.new': 'New cases',
			'chains.ind.known': 'Known close contacts',
			'chains.ind.chains': 'In a known chain',
			'chains.ind.unknown': 'No known source',
			'chains.ind.of': '{n} cases',
			'chains.ind.range': '{from} to {to}',
			'chains.graph': 'Who infected whom',
			'chains.colour_by': 'Colour by',
			'chains.by.generation': 'Generation',
			'chains.by.chain': 'Chain',
			'chains.graph.intro': 'Arrows point from infector to infectee. Diamonds are cases in a cluster.',
			'chains.graph.label': 'Graph of transmission between cases',
			'chains.graph.empty': 'No cases in this period.',
			'dash.chart.missing.chains': 'The chart could not be loaded; the tables below have the same facts.',
			'chains.gen': 'Generation {n}',
			'chains.chain': 'Chain {n}',
			'chains.alone': 'Sporadic',
			'chains.list': 'Chains',
			'chains.none': 'No chains of two or more linked cases.',
			'chains.item': 'Chain {id}: {size} cases, {generations} generations',
			'chains.item.dates': 'reported {first} to {last}',
			'chains.cluster': 'Cluster',
			'chains.cases': 'Cases',
			'chains.col.case': 'Case',
			'chains.col.class': 'Class',
			'chains.col.onset': 'Onset',
			'chains.col.generation': 'Gen.',
			'chains.col.chain': 'Chain',
			'chains.col.source': 'Source',
			'chains.known_contact': 'known contact',
			'chains.tip': '{name}\n{cls} · generation {gen}\nonset {onset}',
			'chains.si': 'Serial intervals',
			'chains.si.intro': 'Days between the onsets of each infector and infectee: case numbers and dates only, for estimating Rt.',
			'chains.si.download': 'Download CSV'
		}
	});

	var $ = function (id) { return document.getElementById(id); };
	var el = fk.el;
	var pageError = $('page-error');
	var data = null;
	var chart = null;
	var role = '';
	var seq = 0;

	var PALETTE = ['#0e6b72', '#e0a21b', '#c8372d', '#6b4fbb', '#2e8b4a', '#d0612b', '#3a7bd5', '#8a5a00',
		       '#b0407a', '#4d5f66'];

	function label(c) {
		return c.name || ('#' + c.case_id);
	}

	function pct(x) {
		return Math.round((x || 0) * 1000) / 10 + '%';
	}

	function colourBy() {
		var v = document.querySelector('#colour-by input:checked');
		return v ? v.value : 'generation';
	}

	function clusterChains() {
		var out = {};
		(data.chains || []).forEach(function (ch) {
			if (ch.cluster)
				out[ch.id] = true;
		});
		return out;
	}

	function renderIndicators() {
		var ind = data.indicators || {};
		$('ind-new').textContent = String(ind.new_cases || 0);
		$('ind-range').textContent = fk.t('chains.ind.range', {from: fk.fmtDate(data.from, {year: undefined}),
								      to: fk.fmtDate(data.to, {year: undefined})});
		$('ind-known').textContent = pct(ind.share_known_contacts);
		$('ind-known-n').textContent = fk.t('chains.ind.of', {n: ind.known_contacts || 0});
		$('ind-chains').textContent = pct(ind.share_in_chains);
		$('ind-chains-n').textContent = fk.t('chains.ind.of', {n: ind.in_chains || 0});
		$('ind-unknown').textContent = pct(ind.share_no_known_source);
		$('ind-unknown-n').textContent = fk.t('chains.ind.of', {n: ind.no_known_source || 0});
	}

	function renderGraph() {
		if (!data)
			return;
		var cases = data.cases || [];
		var box = $('graph');
		$('graph-empty').hidden = cases.length > 0;
		if (!window.echarts) {
			box.hidden = true;
			$('chart-missing').hidden = false;
			return;
		}
		box.hidden = cases.length === 0;
		if (!cases.length)
			return;
		if (!chart)
			chart = window.echarts.init(box, null, {renderer: 'canvas'});
		var by = colourBy();
		var clusters = clusterChains();
		var categories = [];
		var index = {};
		function category(key, name) {
			if (!(key in index)) {
				index[key] = categories.length;
				categories.push({name: name});
			}
			return index[key];
		}
		/* categories in a stable order: generations 1.., chains 1.., then sporadic */
		var sorted = cases.slice().sort(function (a, b) {
			return by === 'generation' ? a.generation - b.generation
				: (a.chain || 1e9) - (b.chain || 1e9);
		});
		sorted.forEach(function (c) {
			if (by === 'generation')
				category('g' + c.generation, fk.t('chains.gen', {n: c.generation}));
			else
				category(c.chain ? 'c' + c.chain : 'none', c.chain ? fk.t('chains.chain', {n: c.chain}) : fk.t('chains.alone'));
		});
		var present = {};
		var nodes = cases.map(function (c) {
			present[c.case_id] = true;
			var inCluster = c.chain && clusters[c.chain];
			return {
				id: String(c.case_id),
				name: label(c),
				category: by === 'generation' ? index['g' + c.generation] : index[c.chain ? 'c' + c.chain : 'none'],
				symbol: inCluster ? 'diamond' : 'circle',
				symbolSize: inCluster ? 26 : 20,
				itemStyle: inCluster ? {borderColor: '#1d2a30', borderWidth: 2} : undefined,
				value: c.case_id,
				caseData: c
			};
		});
		var links = (data.edges || []).filter(function (e) {
			return present[e.from] && present[e.to];
		}).map(function (e) {
			return {source: String(e.from), target: String(e.to)};
		});
		var font = getComputedStyle(document.body).fontFamily;
		chart.setOption({
			animationDuration: 300,
			textStyle: {fontFamily: font},
			color: PALETTE,
			tooltip: {
				renderMode: 'richText', confine: true,
				formatter: function (p) {
					if (p.dataType !== 'node')
						return '';
					var c = p.data.caseData;
					return fk.t('chains.tip', {name: label(c), cls: fk.t('cls.' + c.classification),
								   gen: c.generation, onset: c.onset ? fk.fmtDate(c.onset) : '—'});
				}
			},
			legend: [{top: 0, left: 0, itemWidth: 12, itemHeight: 12,
				  data: categories.map(function (c) { return c.name; })}],
			series: [{
				type: 'graph',
				layout: 'force',
				roam: true,
				draggable: true,
				top: 48, bottom: 8, left: 8, right: 8,
				categories: categories,
				data: nodes,
				links: links,
				edgeSymbol: ['none', 'arrow'],
				edgeSymbolSize: [0, 9],
				label: {show: true, position: 'bottom', distance: 4, fontSize: 12, color: '#1d2a30'},
				lineStyle: {color: '#6b7c82', width: 1.5, curveness: 0.1, opacity: 0.9},
				emphasis: {focus: 'adjacency', lineStyle: {width: 3}},
				force: {repulsion: 320, edgeLength: [70, 120], gravity: 0.08, layoutAnimation: true}
			}]
		}, {notMerge: true});
	}

	function renderChains() {
		var list = $('chain-list');
		fk.clear(list);
		var chains = data.chains || [];
		$('chain-none').hidden = chains.length > 0;
		var members = {};
		(data.cases || []).forEach(function (c) {
			if (c.chain)
				(members[c.chain] = members[c.chain] || []).push(label(c));
		});
		chains.forEach(function (ch) {
			list.appendChild(el('li', {className: 'item', 'data-chain': ch.id, 'data-cluster': ch.cluster ? '1' : '0'}, [
				el('p', {className: 'item-line'}, [
					el('strong', {text: fk.t('chains.item', ch)}),
					ch.cluster ? el('span', {className: 'tag tag-alert', i18n: 'chains.cluster'}) : null
				]),
				el('p', {className: 'muted', text: fk.t('chains.item.dates', {first: fk.fmtDate(ch.first), last: fk.fmtDate(ch.last)})}),
				el('p', {className: 'muted', text: (members[ch.id] || []).join(fk.lang() === 'en' ? ', ' : '、')})
			]));
		});
	}

	function renderTable() {
		var tb = $('case-table').tBodies[0];
		fk.clear(tb);
		var byId = {};
		(data.cases || []).forEach(function (c) { byId[c.case_id] = c; });
		(data.cases || []).forEach(function (c) {
			var src = c.infector_case ? (byId[c.infector_case] ? label(byId[c.infector_case]) : '#' + c.infector_case) : '—';
			if (c.known_contact)
				src += ' · ' + fk.t('chains.known_contact');
			var name = role === 'analyst' ? el('span', {text: label(c)})
				: el('a', {href: '/cases.html?id=' + c.case_id, text: label(c)});
			tb.appendChild(el('tr', {'data-case-id': c.case_id}, [
				el('th', {scope: 'row'}, [name]),
				el('td', {text: fk.t('cls.' + c.classification)}),
				el('td', {text: c.onset ? fk.fmtDate(c.onset, {year: undefined}) : '—'}),
				el('td', {className: 'num', text: String(c.generation)}),
				el('td', {className: 'num', text: c.chain ? String(c.chain) : '—'}),
				el('td', {text: src})
			]));
		});
	}

	function render() {
		if (!data)
			return;
		renderIndicators();
		renderGraph();
		renderChains();
		renderTable();
	}

	async function loadChains() {
		var from = $('range-from').value, to = $('range-to').value;
		var my = ++seq;
		window.history.replaceState(null, '', '?from=' + from + '&to=' + to);
		fk.showMessage($('chains-error'), null);
		var g;
		try {
			g = await fk.get('/api/v1/chains?from=' + encodeURIComponent(from) + '&to=' + encodeURIComponent(to));
		} catch (e) {
			return my === seq && fk.showMessage($('chains-error'), 'err.network');
		}
		if (my !== seq)
			return;
		if (!g.body)
			return fk.showMessage($('chains-error'), await fk.apiError(g.res));
		data = g.body;
		render();
	}

	async function load() {
		var session = await fk.start({page: 'chains', roles: ['official', 'office', 'analyst'], errorBox: pageError});
		$('loading').hidden = true;
		if (!session)
			return;
		role = session.user.role;
		var p = new URLSearchParams(window.location.search);
		var day = /^\d{4}-\d{2}-\d{2}$/;
		var to = day.test(p.get('to') || '') ? p.get('to') : fk.today();
		var from = day.test(p.get('from') || '') ? p.get('from') : fk.addDays(to, -13);
		$('range-from').value = from;
		$('range-to').value = to;
		$('range-from').max = $('range-to').max = fk.today();
		$('si-card').hidden = role === 'office';
		$('content').hidden = false;
		$('range-form').addEventListener('submit', function (ev) {
			ev.preventDefault();
			loadChains();
		});
		document.querySelectorAll('#colour-by input').forEach(function (i) {
			i.addEventListener('change', renderGraph);
		});
		loadChains();
	}

	window.addEventListener('resize', function () {
		if (chart)
			chart.resize();
	});
	fk.onChange(render);
	load();
})();
