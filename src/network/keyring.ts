import { NoError } from '../contracts/errors.js';
import { generateKeyPairSync, sign, verify, createPublicKey, type KeyObject } from 'node:crypto';

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

/**
 * @example
 * const keyring = createKeyring();
 * const sig = keyring.sign('agent-1', Buffer.from('hi'));
 * keyring.verify('agent-1', Buffer.from('hi'), sig); // true
 */
export function createKeyring(): Keyring {
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

  return {
    identity(agentId) {
      refuseRevoked(agentId);
      const existing = entries.get(agentId);
      if (existing) return existing.identity;
      const { publicKey, privateKey } = generateKeyPairSync('ed25519');
      return add(agentId, publicKey, privateKey);
    },
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
      const entry = entries.get(agentId);
      if (!entry || revokedIds.has(agentId)) return false;
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
