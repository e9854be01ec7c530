//! The terminal after a push: the board's output goes to stdout, stdin goes to
//! the board byte for byte (raw mode when stdin is a terminal, so Ctrl-C and
//! the arrow keys reach the kernel's shell), Ctrl-] leaves.

use crate::port::Port;
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, RawFd};

/// The byte Ctrl-] sends: leaves the terminal.
pub const ESCAPE: u8 = 0x1d;

/// Why the terminal ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Ended {
    /// The user pressed Ctrl-].
    Escape,
    /// The link closed (for a QEMU socket: QEMU exited).
    LinkClosed,
}

/// Runs the terminal until Ctrl-] or until the link closes.
pub fn run(port: &mut Port) -> io::Result<Ended> {
    let stdin = io::stdin();
    let stdin_fd = stdin.as_raw_fd();
    let _raw = RawMode::enter(stdin_fd);
    let mut stdout = io::stdout();
    let mut stdin_open = true;
    let mut buffer = [0u8; 4096];
    loop {
        let mut fds = [
            libc::pollfd { fd: port.raw_fd(), events: libc::POLLIN, revents: 0 },
            libc::pollfd { fd: stdin_fd, events: libc::POLLIN, revents: 0 },
        ];
        let watched: libc::nfds_t = if stdin_open { 2 } else { 1 };
        // SAFETY: `fds` holds `watched` valid pollfds for the duration of the call.
        if unsafe { libc::poll(fds.as_mut_ptr(), watched, -1) } < 0 {
            let error = io::Error::last_os_error();
            if error.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(error);
        }
        if fds[0].revents != 0 {
            match port.read_timeout(&mut buffer, std::time::Duration::ZERO)? {
                Some(0) => return Ok(Ended::LinkClosed),
                Some(n) => {
                    stdout.write_all(&buffer[..n])?;
                    stdout.flush()?;
                }
                None => {}
            }
        }
        if stdin_open && fds[1].revents != 0 {
            let n = stdin.lock().read(&mut buffer)?;
            if n == 0 {
                // Input ended (a pipe): keep showing the board until it closes.
                stdin_open = false;
                continue;
            }
            let typed = &buffer[..n];
            if let Some(at) = typed.iter().position(|&b| b == ESCAPE) {
                port.write_all(&typed[..at])?;
                return Ok(Ended::Escape);
            }
            port.write_all(typed)?;
        }
    }
}

/// Stdin in raw mode while it lives, if stdin is a terminal.
struct RawMode {
    fd: RawFd,
    saved: Option<libc::termios>,
}

impl RawMode {
    fn enter(fd: RawFd) -> RawMode {
        // SAFETY: isatty only inspects the descriptor.
        if unsafe { libc::isatty(fd) } != 1 {
            return RawMode { fd, saved: None };
        }
        // SAFETY: an all-zero termios is a valid value for tcgetattr to overwrite.
        let mut saved: libc::termios = unsafe { std::mem::zeroed() };
        // SAFETY: `fd` is an open terminal; `saved` is a valid termios it fills.
        if unsafe { libc::tcgetattr(fd, &mut saved) } != 0 {
            return RawMode { fd, saved: None };
        }
        let mut raw = saved;
        // SAFETY: cfmakeraw only modifies the termios it is given; tcsetattr
        // reads it, on an open terminal.
        unsafe {
            libc::cfmakeraw(&mut raw);
            libc::tcsetattr(fd, libc::TCSANOW, &raw);
        }
        RawMode { fd, saved: Some(saved) }
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        if let Some(saved) = &self.saved {
            // SAFETY: restores the settings read in `enter` on the same terminal.
            unsafe { libc::tcsetattr(self.fd, libc::TCSANOW, saved) };
        }
    }
}
