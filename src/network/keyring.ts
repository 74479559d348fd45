import { NoError } from '../contracts/errors.js';
import { createPrivateKey, createPublicKey, generateKeyPairSync, hkdfSync, sign, verify, type KeyObject } from 'node:crypto';

/** An agent's public identity: its id and Ed25519 public key (SPKI DER, base64). */
export interface AgentIdentity {
  agentId: string;
  publicKey: string;
}

/**
 * Holds each agent's Ed25519 key pair in memory. Private keys never leave it: the network signs on
 * an agent's behalf and hands out only public keys. Share one keyring between networks (or a
 * restored one) so identities, and so signatures, stay valid.
 */
export interface Keyring {
  /** The agent's identity, creating its key pair on first use. Throws for a revoked agent. */
  identity(agentId: string): AgentIdentity;
  /** Trusts a public key held elsewhere (a remote agent); the keyring cannot sign for it. */
  trust(agentId: string, publicKey: string): AgentIdentity;
  has(agentId: string): boolean;
  /** Ed25519 signature as canonical base64url (86 characters). */
  sign(agentId: string, data: Buffer): string;
  /** `false` for an unknown or revoked agent, a non-canonical encoding or a bad signature. */
  verify(agentId: string, data: Buffer, signature: string): boolean;
  /** Forgets the agent's keys for good: its messages are refused from now on. */
  revoke(agentId: string): void;
  isRevoked(agentId: string): boolean;
  revoked(): string[];
}

interface Entry {
  publicKey: KeyObject;
  privateKey?: KeyObject;
  identity: AgentIdentity;
}

const SIGNATURE_BYTES = 64;
/** Shortest secret `createKeyring({ secret })` accepts, in bytes. */
export const MIN_KEYRING_SECRET_BYTES = 32;
// PKCS#8 DER header of an Ed25519 private key; the 32-byte seed follows it (RFC 8410).
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export interface KeyringOptions {
  /**
   * Derives each agent's key pair from this secret and its id (HKDF-SHA-256), so every process given
   * the same secret has the same identities: messages signed before a crash still verify after it.
   * Keep it like any other signing secret. At least MIN_KEYRING_SECRET_BYTES bytes (a string counts
   * as UTF-8). @default none — random key pairs that live as long as the keyring
   */
  secret?: string | Uint8Array;
}

function derivedKeyPair(secret: Buffer, agentId: string): { publicKey: KeyObject; privateKey: KeyObject } {
  const seed = Buffer.from(hkdfSync('sha256', secret, 'langgraph-no/keyring/v1', agentId, 32));
  const privateKey = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  return { publicKey: createPublicKey(privateKey), privateKey };
}

/**
 * @example
 * const keyring = createKeyring();
 * const sig = keyring.sign('agent-1', Buffer.from('hi'));
 * keyring.verify('agent-1', Buffer.from('hi'), sig); // true
 * // Same identities in every process that has the secret:
 * const durable = createKeyring({ secret: process.env.AGENT_KEY_SECRET });
 */
export function createKeyring(options: KeyringOptions = {}): Keyring {
  const secret = options.secret === undefined ? undefined : Buffer.from(options.secret);
  if (secret !== undefined && secret.length < MIN_KEYRING_SECRET_BYTES) {
    throw new NoError('INVALID_INPUT', `keyring secret must have at least ${MIN_KEYRING_SECRET_BYTES} bytes, got ${secret.length}`, {
      details: { minBytes: MIN_KEYRING_SECRET_BYTES, bytes: secret.length },
    });
  }
  const entries = new Map<string, Entry>();
  const revokedIds = new Set<string>();

  const refuseRevoked = (agentId: string): void => {
    if (revokedIds.has(agentId)) {
      throw new NoError('MESSAGE_REFUSED', `agent ${agentId} is revoked`, { details: { agentId, reason: 'revoked' } });
    }
  };
  const add = (agentId: string, publicKey: KeyObject, privateKey?: KeyObject): AgentIdentity => {
    const identity = { agentId, publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64') };
    entries.set(agentId, { publicKey, privateKey, identity });
    return identity;
  };

  const identity = (agentId: string): AgentIdentity => {
    refuseRevoked(agentId);
    const existing = entries.get(agentId);
    if (existing) return existing.identity;
    const { publicKey, privateKey } = secret ? derivedKeyPair(secret, agentId) : generateKeyPairSync('ed25519');
    return add(agentId, publicKey, privateKey);
  };

  return {
    identity,
    trust(agentId, publicKey) {
      refuseRevoked(agentId);
      const key = createPublicKey({ key: Buffer.from(publicKey, 'base64'), format: 'der', type: 'spki' });
      return add(agentId, key);
    },
    has: (agentId) => entries.has(agentId),
    sign(agentId, data) {
      refuseRevoked(agentId);
      const privateKey = entries.get(agentId)?.privateKey;
      if (!privateKey) {
        throw new NoError('SIGNATURE_INVALID', `no private key for agent ${agentId}`, { details: { agentId, reason: 'no-key' } });
      }
      return sign(null, data, privateKey).toString('base64url');
    },
    verify(agentId, data, signature) {
      if (revokedIds.has(agentId)) return false;
      // With a secret every agent's key is known, so a message from before a restart still verifies.
      const entry = entries.get(agentId) ?? (secret ? (identity(agentId), entries.get(agentId)) : undefined);
      if (!entry) return false;
      const bytes = Buffer.from(signature, 'base64url');
      // Node's decoder is lenient (ignores stray characters and padding bits): insist on the one encoding.
      if (bytes.length !== SIGNATURE_BYTES || bytes.toString('base64url') !== signature) return false;
      return verify(null, data, entry.publicKey, bytes);
    },
    revoke(agentId) {
      revokedIds.add(agentId);
      entries.delete(agentId);
    },
    isRevoked: (agentId) => revokedIds.has(agentId),
    revoked: () => [...revokedIds],
  };
}
