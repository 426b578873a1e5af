import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { freePort, startDaemon, stopDaemon, waitFor } from './alerting-stack.ts';

/**
 * A real local SMTP server for notification tests: Debian's aiosmtpd (apt-get install
 * python3-aiosmtpd) with its Maildir handler, so every mail Alertmanager sends lands as a file
 * in `<dir>/new`, read back and decoded here (headers, text and HTML parts).
 */

/** Debian's interpreter first: a python3 earlier on PATH (pyenv, a venv) lacks Debian's packages. */
const python = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

/** Throws with the install hint when aiosmtpd is not importable. */
export function assertSmtpServerInstalled(): void {
  const probe = spawnSync(python, ['-c', 'import aiosmtpd'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    throw new Error(
      `${python} cannot import aiosmtpd (${(probe.stderr || String(probe.error)).trim().split('\n').pop()}). ` +
        'Install Debian\'s python3-aiosmtpd (apt-get install -y --no-install-recommends python3-aiosmtpd), ' +
        'or set MODELWATCH_TEST_PROMETHEUS=skip to skip the alerting tests.',
    );
  }
}

export interface Mail {
  headers: Record<string, string>;
  /** The text/plain part, decoded. */
  text: string;
  /** The text/html part, decoded ('' when none). */
  html: string;
}

export interface MailSink {
  host: string;
  port: number;
  /** Every mail received so far, oldest first. */
  mails(): Mail[];
  logs(): string;
  stop(): Promise<void>;
}

export async function startMailSink(dir: string): Promise<MailSink> {
  const port = await freePort();
  // The Maildir handler creates tmp/, new/ and cur/ only when the folder does not exist yet.
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const daemon = startDaemon('aiosmtpd', python, ['-m', 'aiosmtpd', '-n', '-l', `127.0.0.1:${port}`, '-c', 'aiosmtpd.handlers.Mailbox', dir]);
  const logs = () => `--- aiosmtpd (last lines)\n${daemon.output.join('').split('\n').slice(-25).join('\n')}`;
  const sink: MailSink = {
    host: '127.0.0.1',
    port,
    mails: () => {
      const delivered = path.join(dir, 'new');
      if (!fs.existsSync(delivered)) return [];
      return fs
        .readdirSync(delivered)
        .map((name) => ({ name, at: fs.statSync(path.join(delivered, name)).mtimeMs }))
        .sort((a, b) => a.at - b.at)
        .map(({ name }) => parseMail(fs.readFileSync(path.join(delivered, name), 'latin1')));
    },
    logs,
    stop: () => stopDaemon(daemon),
  };
  try {
    await waitFor('the SMTP server to listen', 10_000, () => canConnect(port), logs);
  } catch (error) {
    await sink.stop();
    throw error;
  }
  return sink;
}

const canConnect = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });

function splitHeaders(raw: string): { headers: Record<string, string>; body: string } {
  const cut = raw.search(/\r?\n\r?\n/);
  const head = cut < 0 ? raw : raw.slice(0, cut);
  const body = cut < 0 ? '' : raw.slice(cut).replace(/^\r?\n\r?\n/, '');
  const headers: Record<string, string> = {};
  // Folded header lines continue with whitespace.
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, body };
}

function decodeBody(body: string, encoding: string | undefined): string {
  if (encoding?.toLowerCase() === 'quoted-printable') {
    const bytes = body
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  if (encoding?.toLowerCase() === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  return Buffer.from(body, 'latin1').toString('utf8');
}

/** A MIME message as Alertmanager writes it: one part, or multipart/alternative with text and HTML. */
export function parseMail(raw: string): Mail {
  const { headers, body } = splitHeaders(raw);
  const parts: Array<{ type: string; content: string }> = [];
  const boundary = /boundary="?([^";]+)"?/i.exec(headers['content-type'] ?? '')?.[1];
  if (boundary && /^multipart\//i.test(headers['content-type'] ?? '')) {
    for (const chunk of body.split(`--${boundary}`).slice(1)) {
      if (chunk.startsWith('--')) break;
      const part = splitHeaders(chunk.replace(/^\r?\n/, ''));
      parts.push({ type: part.headers['content-type'] ?? 'text/plain', content: decodeBody(part.body.replace(/\r?\n$/, ''), part.headers['content-transfer-encoding']) });
    }
  } else {
    parts.push({ type: headers['content-type'] ?? 'text/plain', content: decodeBody(body, headers['content-transfer-encoding']) });
  }
  const find = (type: string) => parts.find((p) => p.type.toLowerCase().startsWith(type))?.content ?? '';
  return { headers, text: find('text/plain').replace(/\r\n/g, '\n'), html: find('text/html') };
}
