// A real OpenID Provider for the tests: the npm package oidc-provider (OpenID Certified),
// on a loopback port, with one client (devcenter) and the accounts of a JSON file.
//
//   node tests/oidc/provider.mjs CONFIG.json
//
// CONFIG: {"client": {client_id, client_secret, redirect_uris, post_logout_redirect_uris},
//          "jwks": {"keys": [private RSA JWK]}, "accounts_file": "accounts.json"}
// accounts.json (read again at every sign-in, so a test can change someone's groups):
//   {"<sub>": {"password": "...", "claims": {preferred_username, email, groups, ...}}}
// Prints one line of JSON, {"issuer": "http://127.0.0.1:PORT"}, once it listens.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const accounts = () => JSON.parse(readFileSync(config.accounts_file, 'utf8'));
const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const page = (title, body) => `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head>
<body><main><h1>${title}</h1>${body}</main></body></html>`;

function loginForm(uid, error = '') {
  return page('Test provider sign-in', `${error ? `<p role="alert">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${uid}/login">
<label for="login">Login</label><input id="login" name="login" autocomplete="username" required>
<label for="password">Password</label><input id="password" name="password" type="password" required>
<button type="submit">Continue</button></form>`);
}

const server = createServer();
server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: [{
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      ...config.client,
    }],
    jwks: config.jwks,
    cookies: { keys: ['tests-only-cookie-key'] },
    scopes: ['openid', 'email', 'profile', 'groups'],
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'given_name', 'family_name', 'preferred_username'],
      groups: ['groups'],
    },
    // Every authorization request must carry a PKCE challenge (S256 only).
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          ctx.body = page('Sign out of the test provider?', `${form}<button type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>`);
        },
        postLogoutSuccessSource: async (ctx) => { ctx.body = page('Signed out', ''); },
      },
    },
    renderError: async (ctx, out) => { ctx.body = page('Provider error', `<pre>${escape(JSON.stringify(out))}</pre>`); },
    async findAccount(ctx, sub) {
      const account = accounts()[sub];
      if (!account) return undefined;
      return { accountId: sub, claims: async () => ({ sub, ...account.claims }) };
    },
  });

  async function interaction(req, res) {
    const [, , uid, action] = new URL(req.url, issuer).pathname.split('/');
    const details = await provider.interactionDetails(req, res);
    if (req.method === 'POST' && action === 'login') {
      const form = new URLSearchParams(await new Promise((resolve) => {
        let body = ''; req.on('data', (chunk) => { body += chunk; }); req.on('end', () => resolve(body));
      }));
      const account = accounts()[form.get('login')];
      if (!account || account.password !== form.get('password')) {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(loginForm(uid, 'Wrong login or password.'));
        return;
      }
      await provider.interactionFinished(req, res, { login: { accountId: form.get('login') } }, { mergeWithLastSubmission: false });
      return;
    }
    if (details.prompt.name === 'login') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(loginForm(uid));
      return;
    }
    // devcenter is a first-party client: consent to what it asks, without a page.
    const grant = details.grantId ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
    const missing = details.prompt.details;
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }

  // What the provider refused and why, in provider.log beside its config.
  for (const event of ['authorization.error', 'grant.error', 'end_session.error', 'userinfo.error', 'server_error']) {
    provider.on(event, (ctx, error) => console.error(event, error, error?.cause));
  }
  const handle = provider.callback();
  server.on('request', (req, res) => {
    if (req.url.startsWith('/interaction/')) {
      interaction(req, res).catch((error) => {
        res.writeHead(400, { 'content-type': 'text/plain' });
        res.end(String(error));
      });
    } else {
      handle(req, res);
    }
  });
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});
