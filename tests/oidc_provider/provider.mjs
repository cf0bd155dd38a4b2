// A real OpenID Connect provider for the tests (npm oidc-provider), standing in for NHSmail's Entra ID.
//
//   node tests/oidc_provider/provider.mjs   with PORT, CLIENT_ID and CLIENT_SECRET in the environment
//
// Listens on 127.0.0.1:PORT with the issuer http://127.0.0.1:PORT, and prints "ready <issuer>" once it does.
// One client (the portal: authorisation code flow, PKCE required, client_secret_post, redirect URIs
// http://<127.0.0.1|localhost|testserver>[:port]/oidc/callback/). Its sign-in page takes an e-mail address and
// signs in as it: the account's claims are that address as `email` and `preferred_username`. Nothing is
// fetched from the internet (no fonts, no scripts).
//
// Test-only behaviour, each asked for by the test and never by the portal:
// - an account named "<mode>:<e-mail>" is given an ID token the provider would never issue, signed with the
//   provider's own key: "wrong-audience" (aud is another client), "wrong-issuer", "expired" (exp an hour ago);
// - POST /test/sign {"claims": {...}, "key": "provider"|"stranger"} signs any claims as RS256 with the
//   provider's key (as its JWKS publishes it) or with a key the provider does not publish.
import crypto from 'node:crypto';
import http from 'node:http';

import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
const clientId = process.env.CLIENT_ID || 'bnssg-portal';
const clientSecret = process.env.CLIENT_SECRET || 'portal-test-secret';
const issuer = `http://127.0.0.1:${port}`;

function rsaKey(kid) {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privateKey, jwk: { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' } };
}
const signing = rsaKey('test-provider-key');
const stranger = rsaKey('test-provider-key'); // the same kid, another key: only the signature tells them apart

const b64url = (data) => Buffer.from(data).toString('base64url');
function sign(header, payload, privateKey) {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  const signature = crypto.sign('RSA-SHA256', Buffer.from(input), privateKey);
  return `${input}.${signature.toString('base64url')}`;
}
const decodePart = (part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));

function splitAccount(accountId) {
  const at = accountId.indexOf(':');
  return at === -1 ? { mode: '', email: accountId } : { mode: accountId.slice(0, at), email: accountId.slice(at + 1) };
}

const callbackPattern = /^http:\/\/(127\.0\.0\.1|localhost|testserver)(:\d+)?\/oidc\/callback\/$/;
const signedOutPattern = /^http:\/\/(127\.0\.0\.1|localhost|testserver)(:\d+)?\//;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      redirect_uris: ['http://127.0.0.1/oidc/callback/'],
      post_logout_redirect_uris: ['http://127.0.0.1/accounts/login/'],
      token_endpoint_auth_method: 'client_secret_post',
    },
  ],
  jwks: { keys: [signing.jwk] },
  cookies: { keys: ['test-only-cookie-key'] },
  pkce: { required: () => true },
  // The ID token carries the scope's claims (e-mail), as Entra ID's does.
  conformIdTokenClaims: false,
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'preferred_username'] },
  features: { devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: true } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  // First-party client: no consent page (oidc-provider's "skip consent" recipe).
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) {
      const found = await ctx.oidc.provider.Grant.find(grantId);
      if (found) return found;
    }
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid email profile');
    await grant.save();
    return grant;
  },
  async findAccount(ctx, accountId) {
    const { email } = splitAccount(accountId);
    return {
      accountId,
      async claims() {
        return { sub: accountId, email, email_verified: true, name: email, preferred_username: email };
      },
    };
  },
});
// The test client's redirect URIs carry the live server's port, chosen at random.
provider.Client.prototype.redirectUriAllowed = (value) => callbackPattern.test(value);
provider.Client.prototype.postLogoutRedirectUriAllowed = (value) => signedOutPattern.test(value);

// The misbehaving ID tokens, for the accounts that ask for one.
provider.use(async (ctx, next) => {
  await next();
  if (ctx.path !== '/token' || !ctx.body || typeof ctx.body.id_token !== 'string') return;
  const [headerPart, payloadPart] = ctx.body.id_token.split('.');
  const payload = decodePart(payloadPart);
  const { mode } = splitAccount(payload.sub);
  const now = Math.floor(Date.now() / 1000);
  if (mode === 'wrong-audience') payload.aud = 'another-service';
  else if (mode === 'wrong-issuer') payload.iss = 'https://login.example.invalid/tenant/v2.0';
  else if (mode === 'expired') Object.assign(payload, { iat: now - 7200, exp: now - 3600 });
  else return;
  ctx.body = { ...ctx.body, id_token: sign(decodePart(headerPart), payload, signing.privateKey) };
});

const escapeHtml = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function readForm(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return new URLSearchParams(body);
}

async function interaction(req, res, uid) {
  const details = await provider.interactionDetails(req, res);
  if (req.method === 'POST') {
    const form = await readForm(req);
    const email = (form.get('email') || '').trim();
    if (form.get('cancel')) {
      await provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'Cancelled' });
      return;
    }
    await provider.interactionFinished(req, res, { login: { accountId: email } }, { mergeWithLastSubmission: false });
    return;
  }
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Test provider: sign in</title></head>
<body><main><h1>Test provider: sign in</h1><p>Client ${escapeHtml(details.params.client_id)}</p>
<form method="post" action="/interaction/${escapeHtml(uid)}">
<label for="email">E-mail address</label> <input id="email" name="email" type="text" required>
<button type="submit">Sign in to the provider</button>
<button type="submit" name="cancel" value="1" formnovalidate>Cancel</button>
</form></main></body></html>`);
}

async function testSign(req, res) {
  let body = '';
  for await (const chunk of req) body += chunk;
  const { claims, key = 'provider', header = {} } = JSON.parse(body || '{}');
  const chosen = key === 'stranger' ? stranger : signing;
  const token = sign({ alg: 'RS256', typ: 'JWT', kid: chosen.jwk.kid, ...header }, claims, chosen.privateKey);
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ token }));
}

const callback = provider.callback();
const server = http.createServer((req, res) => {
  const url = new URL(req.url, issuer);
  const match = url.pathname.match(/^\/interaction\/([^/]+)$/);
  let handled;
  if (match) handled = interaction(req, res, match[1]);
  else if (url.pathname === '/test/sign' && req.method === 'POST') handled = testSign(req, res);
  else return callback(req, res);
  handled.catch((error) => {
    res.writeHead(500, { 'content-type': 'text/plain' });
    res.end(String(error));
  });
});
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`ready ${issuer}\n`);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
