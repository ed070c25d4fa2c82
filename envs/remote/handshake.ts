/**
 * The client's side of the handshake (`hello` -> `welcome` on a fresh DEALER socket) and the mapping
 * of a server's `error` message to a {@link RemoteEnvError}.
 */
import { Dealer } from 'zeromq';
import { FIELDS, PROTOCOL_VERSION, SERVER_ERROR_CODES, type ServerErrorCode } from './protocol.js';
import { readWelcome, VersionMismatchError, type Welcome } from './read-welcome.js';
import { RemoteEnvError, type RemoteEnvErrorKind } from './remote-env-error.js';
import { decodeHeader, type Header, MessageBuilder, show, WireFormatError } from './wire-codec.js';

const ERROR_KIND: Readonly<Record<ServerErrorCode, RemoteEnvErrorKind>> = {
  malformed: 'protocol',
  version: 'version',
  state: 'protocol',
  'invalid-action': 'invalid-action',
  env: 'env',
  session: 'disconnected',
  busy: 'busy',
  render: 'render',
};

/** The RemoteEnvError for a server `error` message: kind from its code, remote traceback appended. */
export function serverError(address: string, header: Header): RemoteEnvError {
  const code = header[FIELDS.code];
  const message =
    typeof header[FIELDS.message] === 'string'
      ? (header[FIELDS.message] as string)
      : show(header[FIELDS.message]);
  const field = typeof header[FIELDS.field] === 'string' ? (header[FIELDS.field] as string) : null;
  if (typeof code !== 'string' || !SERVER_ERROR_CODES.includes(code as ServerErrorCode)) {
    return new RemoteEnvError(
      'protocol',
      address,
      `error reply with unknown code ${show(code)}: ${message}`,
      field,
    );
  }
  const trace =
    typeof header['traceback'] === 'string' ? `\n--- remote traceback ---\n${header['traceback']}` : '';
  return new RemoteEnvError(
    ERROR_KIND[code as ServerErrorCode],
    address,
    `server error (${code}): ${message}${trace}`,
    field,
  );
}

/**
 * The `hello` -> `welcome` exchange on a fresh socket; `nextId` is the next free request id after it.
 * @throws RemoteEnvError `timeout`, `version`, `protocol`, or the server's error.
 */
export class Handshake {
  nextId = 1;
  constructor(
    private readonly address: string,
    private readonly options: { connectTimeoutMs: number; numEnvs?: number | undefined },
  ) {}

  async run(): Promise<{ socket: Dealer; welcome: Welcome }> {
    const socket = new Dealer({ linger: 0, receiveTimeout: this.options.connectTimeoutMs });
    try {
      socket.connect(this.address);
    } catch (error) {
      socket.close();
      throw new RemoteEnvError(
        'protocol',
        this.address,
        `cannot connect: ${(error as Error).message}`,
        'address',
      );
    }
    try {
      const id = this.nextId++;
      await socket.send(
        new MessageBuilder({
          type: 'hello',
          id,
          [FIELDS.protocol]: PROTOCOL_VERSION,
          [FIELDS.peer]: 'tsrl',
          // Servers with sessions build this many envs for this client; older ones ignore it.
          ...(this.options.numEnvs === undefined ? {} : { [FIELDS.numEnvs]: this.options.numEnvs }),
        }).frames(),
      );
      for (;;) {
        const frames = await socket.receive().catch(() => {
          throw new RemoteEnvError(
            'timeout',
            this.address,
            `no welcome within ${this.options.connectTimeoutMs} ms; is a server bound there?`,
          );
        });
        const header = decodeHeader(frames[0]);
        if (header[FIELDS.id] !== id) continue;
        if (header[FIELDS.type] === 'error') throw serverError(this.address, header);
        if (header[FIELDS.type] !== 'welcome')
          throw new WireFormatError('type', `expected welcome, got ${show(header[FIELDS.type])}`);
        const welcome = readWelcome(header);
        socket.receiveTimeout = -1;
        return { socket, welcome };
      }
    } catch (error) {
      socket.close();
      if (error instanceof RemoteEnvError) throw error;
      if (error instanceof VersionMismatchError)
        throw new RemoteEnvError('version', this.address, error.message, 'protocol');
      if (error instanceof WireFormatError)
        throw new RemoteEnvError('protocol', this.address, `invalid welcome: ${error.message}`, error.field);
      throw error;
    }
  }
}
