// A systemd user unit for the daemon (`ratchet daemon --print-systemd-unit`). Restart on failure
// is safe: acknowledged messages are in the inbox and resume at start.
/** The unit text for the given command line and state folder. */
export function systemdUnit(o: {
  node: string;
  bin: string;
  home: string;
  workspace: string;
  host: string;
  port: number;
}): string {
  const q = (s: string) => (/[\s"\\]/.test(s) ? JSON.stringify(s) : s);
  return `# Save as ~/.config/systemd/user/ratchet.service, then:
#   systemctl --user daemon-reload && systemctl --user enable --now ratchet
[Unit]
Description=Ratchet agent daemon
After=network-online.target

[Service]
Type=simple
ExecStart=${q(o.node)} ${q(o.bin)} daemon --host ${o.host} --port ${o.port} --workspace ${q(o.workspace)}
Environment=RATCHET_HOME=${q(o.home)}
WorkingDirectory=${q(o.workspace)}
Restart=on-failure
RestartSec=2
NoNewPrivileges=yes

[Install]
WantedBy=default.target
`;
}
