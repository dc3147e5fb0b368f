/*
 * login.js -- web: the sign-in form of login.html.  Posts
 * {username,password} as JSON to /api/v1/login; on 200 the server has set
 * the session cookie and we go to the home page, otherwise the error is
 * shown in the chosen language (401 wrong credentials, 429 with the wait
 * from Retry-After).
 */
(function () {
	'use strict';

	var form = document.getElementById('login-form');
	var username = document.getElementById('username');
	var password = document.getElementById('password');
	var submit = document.getElementById('login-submit');
	var toggle = document.getElementById('password-toggle');
	var errorBox = document.getElementById('login-error');
	var busy = false;

	function setBusy(on) {
		busy = on;
		submit.disabled = on;
		submit.setAttribute('data-i18n', on ? 'login.busy' : 'login.submit');
		submit.textContent = fk.t(on ? 'login.busy' : 'login.submit');
	}

	function showPassword(on) {
		password.type = on ? 'text' : 'password';
		toggle.setAttribute('aria-pressed', on ? 'true' : 'false');
		toggle.setAttribute('data-i18n', on ? 'login.hide' : 'login.show');
		toggle.setAttribute('data-i18n-label', on ? 'login.hide.label' : 'login.show.label');
		fk.apply();
	}

	toggle.addEventListener('click', function () {
		showPassword(password.type === 'password');
		password.focus();
	});

	function fail(what, field) {
		fk.showMessage(errorBox, what);
		if (field) {
			field.setAttribute('aria-invalid', 'true');
			field.focus();
		}
	}

	[username, password].forEach(function (el) {
		el.addEventListener('input', function () { el.removeAttribute('aria-invalid'); });
	});

	form.addEventListener('submit', async function (ev) {
		ev.preventDefault();
		if (busy)
			return;
		fk.showMessage(errorBox, null);
		var name = username.value.trim();
		if (name === '')
			return fail('err.username', username);
		if (password.value === '')
			return fail('err.password', password);

		setBusy(true);
		var res;
		try {
			res = await fetch('/api/v1/login', {
				method: 'POST',
				headers: {'Content-Type': 'application/json', 'Accept': 'application/json'},
				body: JSON.stringify({username: name, password: password.value}),
				credentials: 'same-origin',
				cache: 'no-store'
			});
		} catch (e) {
			setBusy(false);
			return fail('err.network', null);
		}
		if (res.ok) {
			window.location.assign('/');
			return;
		}
		var what = await fk.apiError(res);
		setBusy(false);
		password.value = '';
		fail(what, res.status === 401 ? password : null);
	});

	/* a phone's keyboard would cover the page: focus only with a mouse */
	if (username.value === '' && window.matchMedia('(pointer: fine)').matches)
		username.focus();
})();
