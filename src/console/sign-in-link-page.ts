/**
 * The page a sign-in link opens: a form whose one button posts the link's token back. Plain
 * HTML with the console's own stylesheet, no script (the same-origin CSP holds). The token is
 * checked to be base64url before it gets here; it is escaped all the same.
 */
export function signInLinkPage(token: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Sign in - Turnout console</title>
<link rel="stylesheet" href="/console/assets/console.css">
</head>
<body>
<main class="sign-in">
<h1>Turnout console</h1>
<p>This one-time link signs you in to your clinic's console for 12 hours.</p>
<form method="post" action="/console/sign-in">
<input type="hidden" name="token" value="${escapeHtml(token)}">
<button type="submit">Open the console</button>
</form>
</main>
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The page a person's link opens: one button that creates a passkey for this device and signs
 * in. Its scripts are files of the console (the same-origin CSP holds); the token is read from
 * the hidden field, and only the button's ceremony uses the link.
 */
export function passkeyLinkPage(token: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Create your passkey - Turnout console</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/console/assets/console.css">
<script src="/console/assets/webauthn.js"></script>
<script type="module" src="/console/assets/passkey-register.js"></script>
</head>
<body>
<main class="sign-in">
<h1>Turnout console</h1>
<p>Create a passkey on this device: from now on you sign in with it (your fingerprint, face or
device PIN), no password. This one-time link works for 15 minutes.</p>
<form id="passkey-register">
<input type="hidden" id="link-token" value="${escapeHtml(token)}">
<button type="submit">Create a passkey and sign in</button>
<p id="passkey-error" class="error" role="alert"></p>
</form>
</main>
</body>
</html>
`;
}
