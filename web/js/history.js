/*
 * history.js -- web: a person's health code and last 30 days
 * (history.html).  Staff see their own (the session's person); a
 * department head or the office see the person named by ?person=ID (a
 * small form asks for one when there is none).
 *
 * GET /api/v1/people/{id}/history?days=30 gives the reports, oldest first,
 * and today's health code.  The code is drawn as a large coloured badge
 * that looks like a QR code but is only an illustration (a scannable code
 * comes later): its colour, rule, reason, since and "green from" dates are
 * written out beside it.  The 30 days are a strip of coloured cells, today
 * last; each reported day links to its entry in the list below.
 *
 * Staff looking at their own code get the real, scannable one instead of
 * the illustration: GET /api/v1/codes/me/qr.svg, a QR of a signed token
 * that lasts 5 minutes, so the image is fetched again every 4 minutes
 * (and when the page comes back into view after longer), together with
 * GET /api/v1/codes/me for the colour, rule and "green from" beside it.
 */
(function () {
	'use strict';

	fk.extend({
		'zh-CN': {
			'history.doctitle': '健康码 · 防控',
			'history.code': '健康码',
			'history.code.green': '绿码',
			'history.code.yellow': '黄码',
			'history.code.red': '红码',
			'history.illustration': '示意图，不是可扫描的二维码。',
			'history.rule': '规则',
			'history.reason': '原因',
			'history.since': '起始日期',
			'history.green_from': '预计转绿',
			'history.streak': '连续正常打卡',
			'history.streak.value': '{n} / {need} 天',
			'history.strip': '近 30 天',
			'history.days': '上报记录',
			'history.none': '近 30 天没有上报记录。',
			'history.summary': '近 30 天上报 {reported} 天（红色 {red} 天，黄色 {yellow} 天），未上报 {missing} 天。',
			'history.to_report': '去上报',
			'history.person': '人员编号',
			'history.show': '查看',
			'history.day.label': '{date}：{status}',
			'history.temp': '体温 {t} ℃',
			'history.version': '第 {n} 次提交',
			'history.on_behalf': '由防控办公室代报',
			'history.observation': '医学观察至 {date}',
			'history.qr.alt': '健康码二维码',
			'history.qr.note': '动态二维码，{time} 生成，每 4 分钟自动更新。请在出入口出示扫码核验。',
			'history.qr.error': '二维码没有加载出来，请稍后刷新页面。'
		},
		en: {
			'history.doctitle': 'Health code · Fangkong',
			'history.code': 'Health code',
			'history.code.green': 'Green code',
			'history.code.yellow': 'Yellow code',
			'history.code.red': 'Red code',
			'history.illustration': 'An illustration, not a scannable QR code.',
			'history.rule': 'Rule',
			'history.reason': 'Reason',
			'history.since': 'Since',
			'history.green_from': 'Green from',
			'history.streak': 'Normal check-ins in a row',
			'history.streak.value': '{n} of {need} days',
			'history.strip': 'Last 30 days',
			'history.days': 'Reports',
			'history.none': 'No reports in the last 30 days.',
			'history.summary': 'Reported on {reported} of the last 30 days (red {red}, yellow {yellow}); not reported on {missing}.',
			'history.to_report': 'Report now',
			'history.person': 'Person ID',
			'history.show': 'Show',
			'history.day.label': '{date}: {status}',
			'history.temp': '{t} °C',
			'history.version': 'submission {n}',
			'history.on_behalf': 'reported by the epidemic office',
			'history.observation': 'medical observation until {date}',
			'history.qr.alt': 'Health code QR',
			'history.qr.note': 'A live code, made at {time} and renewed every 4 minutes. Show it at the gate to be scanned.',
			'history.qr.error': 'The QR code did not load. Please reload the page in a moment.'
		}
	});

	var $ = function (id) { return document.getElementById(id); };
	var pageError = $('page-error');
	var data = null;        /* {person, items, code, qr} */
	var role = '';
	var QR_EVERY = 4 * 60 * 1000;   /* tokens last 5 minutes */
	var qrAt = 0;                   /* when the QR was last asked for (ms) */
	var qrTimer = null;

	/* ---- the QR-like badge -------------------------------------------- */

	/* A repeatable stream of pseudo-random bits from a string. */
	function bits(seed) {
		var h = 2166136261;
		for (var i = 0; i < seed.length; i++) {
			h ^= seed.charCodeAt(i);
			h = Math.imul(h, 16777619);
		}
		var x = h >>> 0 || 1;
		return function () {
			x ^= x << 13;
			x >>>= 0;
			x ^= x >>> 17;
			x ^= x << 5;
			x >>>= 0;
			return x & 1;
		};
	}

	/*
	 * Fill the 29x29 svg with modules: three finder squares in the corners,
	 * timing lines, and a pattern drawn from seed.  Runs of dark modules in
	 * a row are one rect.  The colour comes from the style sheet.
	 */
	function drawCode(svg, seed) {
		var N = 29;
		var grid = [];
		var fixed = [];
		var next = bits(seed);
		for (var y = 0; y < N; y++) {
			grid.push([]);
			fixed.push([]);
			for (var x = 0; x < N; x++) {
				grid[y].push(0);
				fixed[y].push(false);
			}
		}
		function finder(ox, oy) {
			for (var dy = -1; dy <= 7; dy++)
				for (var dx = -1; dx <= 7; dx++) {
					var x = ox + dx, y = oy + dy;
					if (x < 0 || y < 0 || x >= N || y >= N)
						continue;
					var ring = Math.max(Math.abs(dx - 3), Math.abs(dy - 3));
					grid[y][x] = ring === 3 || ring <= 1 ? 1 : 0;
					if (dx < 0 || dy < 0 || dx > 6 || dy > 6)
						grid[y][x] = 0;
					fixed[y][x] = true;
				}
		}
		finder(0, 0);
		finder(N - 7, 0);
		finder(0, N - 7);
		/* the small alignment square */
		for (var ay = -2; ay <= 2; ay++)
			for (var ax = -2; ax <= 2; ax++) {
				var r = Math.max(Math.abs(ax), Math.abs(ay));
				grid[N - 7 + ay][N - 7 + ax] = r === 1 ? 0 : 1;
				fixed[N - 7 + ay][N - 7 + ax] = true;
			}
		for (var i = 8; i < N - 8; i++) {
			grid[6][i] = grid[i][6] = i % 2 === 0 ? 1 : 0;
			fixed[6][i] = fixed[i][6] = true;
		}
		for (var yy = 0; yy < N; yy++)
			for (var xx = 0; xx < N; xx++)
				if (!fixed[yy][xx])
					grid[yy][xx] = next() & (next() | next());

		fk.clear(svg);
		svg.appendChild(fk.el('svg:rect', {x: -2, y: -2, width: N + 4, height: N + 4, 'class': 'code-bg'}));
		for (var row = 0; row < N; row++) {
			var start = -1;
			for (var col = 0; col <= N; col++) {
				var on = col < N && grid[row][col];
				if (on && start < 0)
					start = col;
				if (!on && start >= 0) {
					svg.appendChild(fk.el('svg:rect', {x: start, y: row, width: col - start, height: 1,
									   'class': 'code-module'}));
					start = -1;
				}
			}
		}
		svg.setAttribute('viewBox', '-2 -2 ' + (N + 4) + ' ' + (N + 4));
	}

	/* ---- rendering ---------------------------------------------------- */

	function statusText(s) {
		return fk.t('status.' + (s || 'none'));
	}

	function renderCode() {
		var code = data.code || {};
		var colour = code.colour || 'green';
		$('person-name').textContent = (data.person && data.person.name) || '';
		$('person-id').textContent = data.personId;
		var badge = $('code-badge');
		badge.className = 'code-badge code-badge-' + colour;
		badge.setAttribute('data-colour', colour);
		$('code-colour').textContent = fk.t('history.code.' + colour);
		$('code-qr').hidden = !data.qr;
		$('code-art').toggleAttribute('hidden', !!data.qr);   /* an svg: no .hidden */
		$('code-illustration').hidden = !!data.qr;
		$('qr-note').hidden = !data.qr;
		if (data.qr)
			$('qr-note').textContent = data.qrError ? fk.t('history.qr.error')
				: fk.t('history.qr.note', {time: fk.fmtTime(Math.floor(qrAt / 1000))});
		else if (!$('code-art').firstChild || $('code-art')._seed !== data.personId + colour) {
			$('code-art')._seed = data.personId + colour;
			drawCode($('code-art'), data.personId + '|' + colour + '|' + fk.today());
		}
		$('code-rule').textContent = code.rule
			? fk.t('code.rule.' + code.rule, {n: code.streak_needed || ''}) : '';
		$('code-reason').textContent = fk.text(code.reason) || '—';
		$('code-since-row').hidden = !code.since;
		$('code-since').textContent = code.since ? fk.fmtDate(code.since) : '';
		$('code-green-row').hidden = !code.green_from || colour === 'green';
		$('code-green-from').textContent = code.green_from ? fk.fmtDate(code.green_from) : '';
		$('code-streak-row').hidden = !code.streak_needed || colour === 'green';
		$('code-streak').textContent = fk.t('history.streak.value',
			{n: code.normal_streak || 0, need: code.streak_needed || 0});
	}

	function renderStrip() {
		var today = fk.today();
		var byDate = {};
		data.items.forEach(function (r) { byDate[r.date] = r; });
		var strip = $('strip');
		fk.clear(strip);
		var counts = {reported: 0, red: 0, yellow: 0, missing: 0};
		for (var i = 29; i >= 0; i--) {
			var day = fk.addDays(today, -i);
			var r = byDate[day];
			var status = r ? r.status : 'none';
			if (r) {
				counts.reported++;
				if (status === 'red' || status === 'yellow')
					counts[status]++;
			} else if (day !== today) {
				counts.missing++;
			}
			var label = fk.t('history.day.label', {
				date: fk.fmtDate(day, {weekday: 'short'}), status: statusText(status)
			});
			var inner = [
				fk.el('span', {className: 'strip-wd', text: fk.fmtDate(day, {year: undefined, month: undefined, day: undefined, weekday: 'narrow'})}),
				fk.el('span', {className: 'strip-day', text: String(Number(day.slice(8)))})
			];
			var cell = r ? fk.el('a', {href: '#d-' + day, 'aria-label': label, title: label}, inner)
				: fk.el('span', {'aria-label': label, title: label, role: 'img'}, inner);
			var li = fk.el('li', {className: 'strip-cell day-' + status, 'data-date': day,
					      'data-status': status}, [cell]);
			if (day === today)
				li.setAttribute('aria-current', 'date');
			strip.appendChild(li);
		}
		$('strip-summary').textContent = fk.t('history.summary', counts);
		var scroll = $('strip-scroll');
		scroll.scrollLeft = scroll.scrollWidth;
	}

	function renderDays() {
		var list = $('day-list');
		fk.clear(list);
		var items = data.items.slice().reverse();
		$('no-days').hidden = items.length > 0;
		items.forEach(function (r) {
			var facts = [];
			if (typeof r.temperature_c === 'number')
				facts.push(fk.t('history.temp', {t: r.temperature_c.toFixed(1)}));
			var sym = (r.symptoms || []).map(function (s) { return fk.t('sym.' + s); });
			facts.push(sym.length ? sym.join(fk.lang() === 'en' ? ', ' : '、') : fk.t('sym.none'));
			var where = [];
			if (r.location)
				where.push(fk.t('loc.' + r.location));
			if (r.place)
				where.push(fk.t('place.' + r.place));
			var extra = [];
			if (r.version > 1)
				extra.push(fk.t('history.version', {n: r.version}));
			if (r.on_behalf)
				extra.push(fk.t('history.on_behalf'));
			if (r.observation_end)
				extra.push(fk.t('history.observation', {date: fk.fmtDate(r.observation_end)}));
			var region = fk.el('span', {className: 'day-region', text: r.region_code || ''});
			var whereLine = fk.el('p', {className: 'muted day-facts'}, [where.join(' · ') + (r.region_code ? ' · ' : ''), region]);
			if (r.region_code)
				fk.regionName(r.region_code).then(function (n) {
					if (n)
						region.textContent = n;
				});
			list.appendChild(fk.el('li', {id: 'd-' + r.date, className: 'day-item', 'data-status': r.status}, [
				fk.el('div', {className: 'day-head'}, [
					fk.el('span', {className: 'day-date', text: fk.fmtDate(r.date, {weekday: 'short'})}),
					fk.el('span', {className: 'pill pill-' + r.status, text: statusText(r.status)})
				]),
				fk.el('p', {className: 'day-reason', text: fk.text(r.reason) || fk.t('rule.' + (r.rule || 'all_normal'))}),
				fk.el('p', {className: 'muted day-facts', text: facts.join(' · ')}),
				whereLine,
				extra.length ? fk.el('p', {className: 'muted day-facts', text: extra.join(' · ')}) : null
			]));
		});
		var reportedToday = data.items.some(function (r) { return r.date === fk.today(); });
		$('to-report').hidden = role !== 'staff' || reportedToday;
	}

	function render() {
		if (!data)
			return;
		renderCode();
		renderStrip();
		renderDays();
	}

	/* ---- the live QR (staff, their own code) -------------------------- */

	async function refreshQr() {
		if (!data || !data.qr)
			return;
		qrAt = Date.now();
		data.qrError = false;
		$('code-qr').src = '/api/v1/codes/me/qr.svg?t=' + qrAt;
		try {
			var c = await fk.get('/api/v1/codes/me');
			if (c.body)
				data.code = c.body;
		} catch (e) {
			/* keep the colour we have; the image says the rest */
		}
		renderCode();
	}

	function startQr() {
		if (qrTimer)
			clearInterval(qrTimer);
		qrTimer = setInterval(refreshQr, QR_EVERY);
		refreshQr();
	}

	$('code-qr').addEventListener('error', function () {
		if (data && data.qr) {
			data.qrError = true;
			renderCode();
		}
	});

	/* Timers sleep in a hidden tab: coming back, renew a stale code at once. */
	document.addEventListener('visibilitychange', function () {
		if (document.visibilityState === 'visible' && data && data.qr && Date.now() - qrAt >= QR_EVERY)
			startQr();
	});

	/* ---- start -------------------------------------------------------- */

	async function show(personId) {
		$('loading').hidden = false;
		$('content').hidden = true;
		fk.showMessage(pageError, null);
		var got, person = null;
		try {
			got = await fk.get('/api/v1/people/' + encodeURIComponent(personId) + '/history?days=30');
			if (got.body) {
				var p = await fk.get('/api/v1/people/' + encodeURIComponent(personId));
				person = p.body;
			}
		} catch (e) {
			$('loading').hidden = true;
			fk.showMessage(pageError, 'err.network');
			return;
		}
		$('loading').hidden = true;
		if (!got.body) {
			fk.showMessage(pageError, await fk.apiError(got.res));
			return;
		}
		var own = role === 'staff' && personId === fk.session().user.person_id;
		data = {personId: personId, person: person, items: got.body.items || [],
			code: got.body.health_code || null, qr: own};
		$('content').hidden = false;
		render();
		if (own)
			startQr();
	}

	async function load() {
		var session = await fk.start({page: 'history', roles: ['staff', 'dept_head', 'office'],
					      errorBox: pageError});
		$('loading').hidden = true;
		if (!session)
			return;
		role = session.user.role;
		var asked = new URLSearchParams(window.location.search).get('person');
		if (role === 'staff')
			return show(session.user.person_id);
		$('person-form').hidden = false;
		if (asked) {
			$('person-input').value = asked;
			return show(asked);
		}
	}

	$('person-form').addEventListener('submit', function (ev) {
		ev.preventDefault();
		var id = $('person-input').value.trim();
		if (!id)
			return;
		window.history.replaceState(null, '', '?person=' + encodeURIComponent(id));
		show(id);
	});

	fk.onChange(render);
	load();
})();
