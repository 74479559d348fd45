import * as network from '../../src/network/index';

describe('network public surface', () => {
  it('exports the factories, defaults and schemas by name', () => {
    expect(Object.keys(network).sort()).toEqual(
      [
        'DEFAULT_HEARTBEAT_TTL_MS',
        'DEFAULT_HISTORY_LIMIT',
        'DEFAULT_MAILBOX_CAPACITY',
        'DEFAULT_MAX_MESSAGE_BYTES',
        'DEFAULT_MAX_MESSAGE_DEPTH',
        'DEFAULT_PHI_MIN_STDDEV_MS',
        'DEFAULT_PHI_THRESHOLD',
        'DEFAULT_PHI_WINDOW',
        'DEFAULT_REPLAY_WINDOW_MS',
        'DEFAULT_SEND_TIMEOUT_MS',
        'LARGEST_MAX_MESSAGE_DEPTH',
        'MESSAGE_ATTRIBUTES',
        'MESSAGE_EVENT_TYPES',
        'MESSAGE_METRICS',
        'MIN_KEYRING_SECRET_BYTES',
        'NETWORK_SNAPSHOT_VERSION',
        'NetworkSnapshotSchema',
        'REPLAY_STORE_NAMESPACE',
        'canonicalJson',
        'compileMessagePolicy',
        'createAgentNetwork',
        'createAgentRegistry',
        'createKeyring',
        'decodeSignedMessage',
        'encodeSignedMessage',
        'phiOf',
        'signingBytes',
      ].sort(),
    );
    expect(network.DEFAULT_MAILBOX_CAPACITY).toBe(1000);
    expect(network.DEFAULT_REPLAY_WINDOW_MS).toBe(300_000);
    expect(network.DEFAULT_MAX_MESSAGE_BYTES).toBe(262_144);
    expect(network.DEFAULT_MAX_MESSAGE_DEPTH).toBe(64);
  });
});
