// A real OpenID Connect provider (the certified npm package oidc-provider) for the single sign-on tests.
//
//   node server.mjs CONFIG.json
//
// CONFIG.json: {"port": 40123, "clients": [{client_id, client_secret, redirect_uris, post_logout_redirect_uris}],
//               "accounts_file": "accounts.json", "decoy_jwks": false}
// accounts.json (read again at every sign-in, so a test can change someone's groups between sign-ins):
//   {"alice": {"email": "...", "email_verified": true, "name": "...", "groups": [...], ...}}
// Sign in on the provider's own login form with the account's key as the login (any password); the key is also
// the subject identifier (`sub`) the provider gives.
//
// A new signing key is made at every start, so restarting the provider rotates its keys. With "decoy_jwks" the
// provider publishes a different public key under the signing key's id: its ID tokens then fail verification,
// as a forged or corrupted token would.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';

import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const issuer = `http://127.0.0.1:${config.port}`;

function signingKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: randomBytes(8).toString('hex'), use: 'sig', alg: 'RS256' };
}

const key = signingKey();

function readAccounts() {
  return JSON.parse(readFileSync(config.accounts_file, 'utf8'));
}

const provider = new Provider(issuer, {
  clients: config.clients.map((client) => ({
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    ...client,
  })),
  jwks: { keys: [key] },
  cookies: { keys: [randomBytes(16).toString('hex')] },
  scopes: ['openid', 'email', 'profile', 'groups', 'affiliation'],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
    groups: ['groups'],
    affiliation: ['eduperson_scoped_affiliation'],
  },
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  // Its cookies last a day, so that they still count in a browser when the provider runs an hour slow (faketime);
  // its ID tokens five minutes, so that they have expired by then.
  ttl: { AuthorizationCode: 120, IdToken: 300, AccessToken: 300, Interaction: 86400, Session: 86400, Grant: 86400 },
  // The relying party is a first-party service: every requested scope and claim is granted without a consent
  // page (oidc-provider's recipe for skipping consent).
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) {
      return ctx.oidc.provider.Grant.find(grantId);
    }
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope(ctx.oidc.params.scope);
    grant.addOIDCClaims(['sub', 'email', 'email_verified', 'name', 'groups', 'eduperson_scoped_affiliation']);
    await grant.save();
    return grant;
  },
  // The login typed on the form is the account's subject identifier (its `sub`).
  async findAccount(ctx, id) {
    const account = readAccounts()[id];
    if (!account) {
      return undefined;
    }
    return {
      accountId: id,
      async claims() {
        return { ...account };
      },
    };
  },
});

provider.on('server_error', (ctx, error) => console.error('server_error', error));

const decoy = (() => {
  const { kty, n, e } = signingKey();
  return { kty, n, e, kid: key.kid, use: 'sig', alg: 'RS256' };
})();

const callback = provider.callback();
const server = http.createServer((req, res) => {
  if (config.decoy_jwks && req.url === '/jwks') {
    res.writeHead(200, { 'content-type': 'application/jwk-set+json' });
    res.end(JSON.stringify({ keys: [decoy] }));
    return;
  }
  callback(req, res);
});
server.listen(config.port, '127.0.0.1', () => {
  console.log(`listening on ${issuer}`);
});
