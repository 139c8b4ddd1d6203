/**
 * systemd socket activation (sd_listen_fds): when LISTEN_PID is this process
 * and LISTEN_FDS is at least 1, fd 3 is the control socket qomd.socket
 * opened for us.  The variables are cleared so child processes do not see them.
 */
export const SD_LISTEN_FDS_START = 3;

export function activationFd(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const pid = env["LISTEN_PID"];
  const fds = env["LISTEN_FDS"];
  if (pid === undefined || fds === undefined) return undefined;
  if (Number(pid) !== process.pid || !(Number(fds) >= 1)) return undefined;
  delete env["LISTEN_PID"];
  delete env["LISTEN_FDS"];
  delete env["LISTEN_FDNAMES"];
  return SD_LISTEN_FDS_START;
}
