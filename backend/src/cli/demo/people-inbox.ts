/**
 * Where the `--with-prometheus` demo's alerts reach people: a real SMTP server (Debian's
 * aiosmtpd, local-stack/mail-sink.ts) and a chat-webhook sink, wired into the shipped
 * Alertmanager routes as docs/alerting.md ("Notifications to people") sets them up. The demo
 * polls them and shows each mail and chat message in its timeline.
 */
import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import type { PeopleNotifications } from '../../local-stack/alerting-stack.ts';
import { startMailSink, type MailSink } from '../../local-stack/mail-sink.ts';
import { repoRoot } from '../../local-stack/prometheus-tools.ts';

export const DEMO_ONCALL = 'oncall@demo.modelwatch.test';

export interface PeopleInbox {
  people: PeopleNotifications;
  /** Lines for what arrived since the last call: "mail to …: subject", "chat: text". */
  arrivals(): string[];
  stop(): Promise<void>;
}

export async function startPeopleInbox(dir: string, grafanaUrl: string): Promise<PeopleInbox> {
  const chat: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        // Slack's attachment format, as the shipped slack_configs send it (provisioning/alertmanager).
        const body = JSON.parse(Buffer.concat(chunks).toString()) as { text?: string; attachments?: Array<{ title?: string; text?: string }> };
        const first = body.attachments?.[0];
        chat.push(String(first?.title || first?.text || body.text || '(empty)').split('\n')[0]!.slice(0, 200));
      } catch {
        chat.push('(a chat message that is not JSON)');
      }
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const closeServer = () => new Promise<void>((resolve) => server.close(() => resolve()));
  let mail: MailSink;
  try {
    mail = await startMailSink(path.join(dir, 'maildir'));
  } catch (error) {
    await closeServer();
    throw error;
  }
  const chatUrlFile = path.join(dir, 'modelwatch_chat_webhook_url');
  fs.writeFileSync(chatUrlFile, `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/chat\n`, { mode: 0o600 });
  let mailsSeen = 0;
  let chatSeen = 0;
  return {
    people: {
      env: {
        MODELWATCH_SMTP_HOST: mail.host,
        MODELWATCH_SMTP_PORT: String(mail.port),
        MODELWATCH_SMTP_USERNAME: '',
        MODELWATCH_ALERT_EMAIL_FROM: 'ModelWatch demo <modelwatch@demo.modelwatch.test>',
        MODELWATCH_ALERT_EMAIL_TO: DEMO_ONCALL,
        MODELWATCH_GRAFANA_URL: grafanaUrl,
        MODELWATCH_RUNBOOK_BASE_URL: `file://${repoRoot}`,
      },
      chatUrlFile,
      smtpPasswordFile: path.join(dir, 'no-smtp-password'),
      // aiosmtpd here offers no STARTTLS; the shipped configuration requires it.
      smtpRequireTls: false,
      // The demo's simulated Monday morning is inside no maintenance window, but the real clock may be.
      maintenance: 'never',
    },
    arrivals() {
      const mails = mail.mails();
      const lines = [
        ...mails.slice(mailsSeen).map((m) => `mail to ${m.headers.to ?? DEMO_ONCALL}: ${m.headers.subject ?? '(no subject)'}`),
        ...chat.slice(chatSeen).map((text) => `chat: ${text}`),
      ];
      mailsSeen = mails.length;
      chatSeen = chat.length;
      return lines;
    },
    async stop() {
      await mail.stop();
      await closeServer();
    },
  };
}
