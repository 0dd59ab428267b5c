/**
 * Signing keys for access tokens: HS256 with JWT_SECRET (default), or RS256/ES256 with a
 * PEM key pair from the environment, whose public half is served as a JWKS.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';

export const JWT_ALGORITHMS = ['HS256', 'RS256', 'ES256'] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

export interface KeySettings {
  secret: string;
  algorithm?: JwtAlgorithm;
  /** PEM (PKCS#8 or traditional); required for RS256/ES256 on the signing side */
  privateKey?: string | null;
  /** PEM (SPKI); derived from the private key when absent */
  publicKey?: string | null;
}

export interface SigningKeys {
  algorithm: JwtAlgorithm;
  signKey: KeyObject;
  verifyKey: KeyObject;
  kid: string;
  /** the public key as a JWK (null for HS256: a shared secret is never published) */
  jwk: (JsonWebKey & { kid: string; alg: string; use: string }) | null;
}

const cache = new Map<string, SigningKeys>();

/** PEM given in one env line may carry literal `\n`. */
function pem(text: string): string {
  return text.includes('\\n') ? text.replace(/\\n/g, '\n') : text;
}

export function signingKeys(settings: KeySettings): SigningKeys {
  const algorithm = settings.algorithm ?? 'HS256';
  const cacheKey = `${algorithm}\n${settings.secret}\n${settings.privateKey ?? ''}\n${settings.publicKey ?? ''}`;
  const hit = cache.get(cacheKey);
  if (hit) return hit;
  let keys: SigningKeys;
  if (algorithm === 'HS256') {
    // A KeyObject also spares jsonwebtoken a failed attempt at reading the secret as PEM.
    const key = createSecretKey(Buffer.from(settings.secret, 'utf8'));
    keys = { algorithm, signKey: key, verifyKey: key, kid: 'hs256', jwk: null };
  } else {
    if (!settings.privateKey && !settings.publicKey)
      throw new Error(`${algorithm} needs JWT_PRIVATE_KEY (and/or JWT_PUBLIC_KEY)`);
    const privateKey = settings.privateKey ? createPrivateKey(pem(settings.privateKey)) : null;
    const publicKey = settings.publicKey ? createPublicKey(pem(settings.publicKey)) : createPublicKey(privateKey!);
    const expectedType = algorithm === 'RS256' ? 'rsa' : 'ec';
    if (publicKey.asymmetricKeyType !== expectedType)
      throw new Error(`${algorithm} needs an ${expectedType.toUpperCase()} key, got ${publicKey.asymmetricKeyType}`);
    if (algorithm === 'ES256' && publicKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
      throw new Error('ES256 needs a P-256 key');
    const jwk = publicKey.export({ format: 'jwk' });
    // RFC 7638 thumbprint as the key id
    const members =
      expectedType === 'rsa'
        ? { e: jwk.e, kty: jwk.kty, n: jwk.n }
        : { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y };
    const kid = createHash('sha256').update(JSON.stringify(members)).digest('base64url');
    keys = {
      algorithm,
      signKey: privateKey ?? publicKey,
      verifyKey: publicKey,
      kid,
      jwk: { ...jwk, kid, alg: algorithm, use: 'sig' },
    };
  }
  cache.set(cacheKey, keys);
  return keys;
}

/** The JSON Web Key Set served at `/.well-known/jwks.json`. */
export function jwks(settings: KeySettings): { keys: object[] } {
  const { jwk } = signingKeys(settings);
  return { keys: jwk ? [jwk] : [] };
}
