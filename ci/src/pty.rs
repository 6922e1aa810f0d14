//! A program run on a pseudo-terminal, driven like a person at a keyboard: wait for a
//! prompt, type an answer. `cli-check` uses it for the interactive `cargo generate` run,
//! whose prompts (dialoguer) refuse to start without a terminal.
//!
//! Written on `libc` (already in the harness's dependency graph through cargo-generate)
//! rather than a pty crate, which would add build time for one caller; and in Rust rather
//! than `expect`, so CI needs no extra package and the checks live beside the others.

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// Wide enough that no line of the run wraps: a wrapped prompt would make the transcript
/// (see [`screen`]) depend on the terminal's width.
const COLUMNS: u16 = 400;
const ROWS: u16 = 50;

/// How long the program must stay silent after a prompt appeared before keys are sent, so
/// that it is waiting for a key (in raw mode) rather than still drawing.
const SETTLE: Duration = Duration::from_millis(300);

/// A child process whose stdin, stdout and stderr are one pseudo-terminal.
pub struct Session {
    master: File,
    child: Child,
    /// Everything the program wrote, as a terminal received it.
    output: Vec<u8>,
    /// How much of the escape-free text [`Session::expect`] has already matched.
    matched: usize,
    eof: bool,
}

impl Session {
    /// Starts `command` in a new session whose controlling terminal is a fresh pty.
    pub fn spawn(mut command: Command) -> Result<Self> {
        let (master, slave) = open_pty()?;
        command
            .stdin(Stdio::from(slave.try_clone()?))
            .stdout(Stdio::from(slave.try_clone()?))
            .stderr(Stdio::from(slave));
        // SAFETY: only async-signal-safe calls (setsid, ioctl) between fork and exec.
        unsafe {
            command.pre_exec(|| {
                // A new session, with the pty as its controlling terminal, as a login
                // shell would have: programs that open /dev/tty get this pty.
                if libc::setsid() == -1 {
                    return Err(std::io::Error::last_os_error());
                }
                if libc::ioctl(0, libc::TIOCSCTTY, 0) == -1 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = command
            .spawn()
            .context("cannot start the program on a pty")?;
        // `command` holds the slave's descriptors: drop them, or reading the master would
        // never see the end of the output when the child exits.
        drop(command);
        Ok(Self {
            master: File::from(master),
            child,
            output: Vec::new(),
            matched: 0,
            eof: false,
        })
    }

    /// Waits until `needle` appears in the output after the previous match (escape
    /// sequences removed), then until the program has been quiet for a moment.
    pub fn expect(&mut self, needle: &str, timeout: Duration) -> Result<()> {
        let deadline = Instant::now() + timeout;
        loop {
            let text = plain_text(&self.output);
            if let Some(at) = text[self.matched.min(text.len())..].find(needle) {
                self.matched += at + needle.len();
                break;
            }
            if self.eof {
                bail!("the program ended before printing {needle:?}");
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                bail!("no {needle:?} within {} s", timeout.as_secs());
            }
            self.read_for(left.min(Duration::from_millis(200)))?;
        }
        self.settle(deadline)
    }

    /// Types `text` in one write. The program waits for a key in raw mode, so everything
    /// arrives while echo is off; sent a key at a time, keys landing between two of
    /// dialoguer's reads (it leaves raw mode after each key) would be echoed by the line
    /// discipline and garble the screen.
    pub fn type_text(&mut self, text: &str) -> Result<()> {
        self.send(text.as_bytes())
    }

    /// Sends one key (or escape sequence, such as an arrow key).
    pub fn send(&mut self, bytes: &[u8]) -> Result<()> {
        self.master
            .write_all(bytes)
            .context("cannot write to the pty")?;
        self.read_for(Duration::from_millis(30))
    }

    /// Reads the rest of the output and waits for the program to exit.
    pub fn finish(mut self, timeout: Duration) -> Result<(ExitStatus, Vec<u8>)> {
        let deadline = Instant::now() + timeout;
        while !self.eof {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                let _ = self.child.kill();
                let _ = self.child.wait();
                bail!("the program did not end within {} s", timeout.as_secs());
            }
            self.read_for(left.min(Duration::from_millis(200)))?;
        }
        let status = self.child.wait().context("cannot wait for the program")?;
        Ok((status, std::mem::take(&mut self.output)))
    }

    /// The output so far (for an error message when a step fails).
    pub fn output(&self) -> &[u8] {
        &self.output
    }

    /// Reads until the program has written nothing for [`SETTLE`].
    fn settle(&mut self, deadline: Instant) -> Result<()> {
        loop {
            let before = self.output.len();
            self.read_for(SETTLE)?;
            if self.output.len() == before || self.eof || Instant::now() >= deadline {
                return Ok(());
            }
        }
    }

    /// Appends what the program writes within `wait` (returns at the first data).
    fn read_for(&mut self, wait: Duration) -> Result<()> {
        if self.eof {
            return Ok(());
        }
        let mut poll = libc::pollfd {
            fd: self.master.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        let millis = i32::try_from(wait.as_millis()).unwrap_or(i32::MAX);
        // SAFETY: one valid pollfd for the duration of the call.
        let ready = unsafe { libc::poll(&mut poll, 1, millis) };
        if ready < 0 {
            let error = std::io::Error::last_os_error();
            if error.kind() == std::io::ErrorKind::Interrupted {
                return Ok(());
            }
            return Err(error).context("poll on the pty failed");
        }
        if ready == 0 {
            return Ok(());
        }
        let mut buffer = [0; 8192];
        match self.master.read(&mut buffer) {
            Ok(0) => self.eof = true,
            Ok(read) => self.output.extend_from_slice(&buffer[..read]),
            // Linux reports the end of a pty whose other side is closed as EIO.
            Err(error) if error.raw_os_error() == Some(libc::EIO) => self.eof = true,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error).context("cannot read the pty"),
        }
        Ok(())
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        // A failed step leaves the child waiting for a key: do not leave it behind.
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn open_pty() -> Result<(OwnedFd, OwnedFd)> {
    let mut master = -1;
    let mut slave = -1;
    let size = libc::winsize {
        ws_row: ROWS,
        ws_col: COLUMNS,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: valid out-pointers; a null name and termios are allowed.
    let result = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            &size,
        )
    };
    if result != 0 {
        return Err(std::io::Error::last_os_error()).context("openpty failed");
    }
    // SAFETY: openpty succeeded, so both are open descriptors that nothing else owns.
    let (master, slave) = unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
    // The child must not inherit the master: it would keep the pty open after exiting.
    // SAFETY: setting a flag on a descriptor we own.
    if unsafe { libc::fcntl(master.as_raw_fd(), libc::F_SETFD, libc::FD_CLOEXEC) } == -1 {
        return Err(std::io::Error::last_os_error()).context("cannot set FD_CLOEXEC");
    }
    Ok((master, slave))
}

/// The output with escape sequences and carriage returns removed: what [`Session::expect`]
/// searches. Redrawn lines appear once per drawing.
pub fn plain_text(output: &[u8]) -> String {
    let mut text = String::new();
    let decoded = String::from_utf8_lossy(output);
    let mut chars = decoded.chars();
    while let Some(ch) = chars.next() {
        match ch {
            '\x1b' => skip_escape(&mut chars),
            '\r' => {}
            _ => text.push(ch),
        }
    }
    text
}

/// What a terminal shows at the end of the run (scrollback included): the output replayed
/// on a minimal screen that understands the cursor movements and erasures dialoguer uses,
/// so a prompt redrawn on every key press appears once, as the person saw it.
pub fn screen(output: &[u8]) -> String {
    let mut lines: Vec<Vec<char>> = vec![Vec::new()];
    let (mut row, mut col) = (0_usize, 0_usize);
    let decoded = String::from_utf8_lossy(output);
    let mut chars = decoded.chars();
    while let Some(ch) = chars.next() {
        match ch {
            '\x1b' => {
                let Some((params, command)) = csi(&mut chars) else {
                    continue;
                };
                let n = params
                    .split(';')
                    .next()
                    .and_then(|p| p.parse::<usize>().ok());
                match command {
                    'A' => row = row.saturating_sub(n.unwrap_or(1).max(1)),
                    'B' => row += n.unwrap_or(1).max(1),
                    'C' => col += n.unwrap_or(1).max(1),
                    'D' => col = col.saturating_sub(n.unwrap_or(1).max(1)),
                    'G' => col = n.unwrap_or(1).max(1) - 1,
                    'K' => {
                        ensure_row(&mut lines, row);
                        let line = &mut lines[row];
                        match n.unwrap_or(0) {
                            0 => line.truncate(col),
                            1 => line.iter_mut().take(col + 1).for_each(|c| *c = ' '),
                            _ => line.clear(),
                        }
                    }
                    'J' if n.unwrap_or(0) == 0 => {
                        ensure_row(&mut lines, row);
                        lines[row].truncate(col);
                        lines.truncate(row + 1);
                    }
                    // Colours, cursor visibility and the rest change nothing visible here.
                    _ => {}
                }
            }
            '\r' => col = 0,
            '\n' => {
                row += 1;
                col = 0;
            }
            '\x08' => col = col.saturating_sub(1),
            '\t' => col = (col / 8 + 1) * 8,
            ch if ch.is_control() => {}
            ch => {
                // Auto-wrap, as a terminal does it: a character written past the last
                // column goes to the next line (progress bars fill lines exactly).
                if col >= usize::from(COLUMNS) {
                    row += 1;
                    col = 0;
                }
                ensure_row(&mut lines, row);
                let line = &mut lines[row];
                if line.len() < col {
                    line.resize(col, ' ');
                }
                if col < line.len() {
                    line[col] = ch;
                } else {
                    line.push(ch);
                }
                col += 1;
            }
        }
    }
    let mut rendered: Vec<String> = lines
        .iter()
        .map(|line| line.iter().collect::<String>().trim_end().to_owned())
        .collect();
    while rendered.last().is_some_and(String::is_empty) {
        rendered.pop();
    }
    rendered.join("\n")
}

fn ensure_row(lines: &mut Vec<Vec<char>>, row: usize) {
    if lines.len() <= row {
        lines.resize(row + 1, Vec::new());
    }
}

/// After an ESC: a CSI sequence's parameters and final character, or `None` for any other
/// escape (which is skipped).
fn csi(chars: &mut impl Iterator<Item = char>) -> Option<(String, char)> {
    match chars.next()? {
        '[' => {
            let mut params = String::new();
            for ch in chars.by_ref() {
                if ('\x40'..='\x7e').contains(&ch) {
                    return Some((params, ch));
                }
                params.push(ch);
            }
            None
        }
        ']' => {
            // OSC (e.g. a window title): up to BEL or ESC \.
            for ch in chars.by_ref() {
                if ch == '\x07' || ch == '\\' {
                    break;
                }
            }
            None
        }
        _ => None,
    }
}

fn skip_escape(chars: &mut impl Iterator<Item = char>) {
    let _ = csi(chars);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_drops_escapes_and_carriage_returns() {
        let output = b"\x1b[1m\x1b[32m?\x1b[0m Database\r\n\x1b]0;title\x07> sqlite\x1b[2K\r";
        assert_eq!(plain_text(output), "? Database\n> sqlite");
    }

    #[test]
    fn screen_replays_a_redrawn_prompt_once() {
        // What dialoguer does for a select: draw, move up, clear, draw the answer.
        let output = "? Database:\n> sqlite\n  postgres\n\x1b[1A\r\x1b[2K\x1b[1A\r\x1b[2K\x1b[1A\r\x1b[2K✔ Database · postgres\nnext\n";
        assert_eq!(screen(output.as_bytes()), "✔ Database · postgres\nnext");
    }

    #[test]
    fn screen_handles_typing_with_backspace_and_erase_to_end() {
        let output = b"? Name [order]: invoices\x08\x1b[K\r\n";
        assert_eq!(screen(output), "? Name [order]: invoice");
        let output = b"abc\r\x1b[Jx\nsecond";
        assert_eq!(screen(output), "x\nsecond");
    }

    #[test]
    fn screen_wraps_at_the_last_column() {
        let width = usize::from(COLUMNS);
        let output = format!("{}\r{}next", "x".repeat(width), "y".repeat(width));
        assert_eq!(
            screen(output.as_bytes()),
            format!("{}\nnext", "y".repeat(width))
        );
    }

    #[test]
    fn a_program_on_the_pty_sees_a_terminal_and_gets_the_keys() {
        // `test -t` checks each standard stream; `read` then echoes what was typed.
        let mut command = Command::new("sh");
        command.args([
            "-c",
            "test -t 0 && test -t 1 && test -t 2 && echo tty; printf 'name? '; read n; echo \"got <$n>\"",
        ]);
        let mut session = Session::spawn(command).unwrap();
        session.expect("name?", Duration::from_secs(10)).unwrap();
        session.type_text("bars-cli\r").unwrap();
        let (status, output) = session.finish(Duration::from_secs(10)).unwrap();
        assert!(status.success());
        let text = screen(&output);
        assert!(text.starts_with("tty\n"), "{text}");
        assert!(text.contains("got <bars-cli>"), "{text}");
    }
}
