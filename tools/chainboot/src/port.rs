//! The link to the board: a serial device (set to raw 8N1 at 115200 baud) or
//! a Unix socket (QEMU's `-chardev socket`), read with a timeout.
//!
//! This and `terminal.rs` are the only modules that call the C library.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::net::UnixStream;
use std::time::Duration;

/// An open link to the board.
pub struct Port {
    file: File,
    /// What the user named, for messages.
    pub name: String,
    /// True for a serial device (its output is drained before reporting).
    is_tty: bool,
}

impl Port {
    /// Opens `device`: `unix:PATH` connects to a Unix socket, anything else is
    /// a serial device set to raw 8N1 at 115200 baud.
    pub fn open(device: &str) -> Result<Port, String> {
        if let Some(path) = device.strip_prefix("unix:") {
            let stream = UnixStream::connect(path)
                .map_err(|e| format!("cannot connect to the socket {path}: {e}"))?;
            let file = File::from(OwnedFd::from(stream));
            return Ok(Port { file, name: device.to_string(), is_tty: false });
        }
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NOCTTY)
            .open(device)
            .map_err(|e| match e.kind() {
                io::ErrorKind::PermissionDenied => format!(
                    "cannot open {device}: {e} (add yourself to its group, usually \
                     'dialout': sudo adduser $USER dialout, then log in again)"
                ),
                _ => format!("cannot open {device}: {e}"),
            })?;
        configure_serial(file.as_raw_fd())
            .map_err(|e| format!("cannot configure {device} as a serial port: {e}"))?;
        Ok(Port { file, name: device.to_string(), is_tty: true })
    }

    /// A port over an already connected stream (tests).
    #[cfg(test)]
    pub fn from_stream(stream: UnixStream) -> Port {
        Port { file: File::from(OwnedFd::from(stream)), name: "test".into(), is_tty: false }
    }

    /// Reads what is available, waiting at most `timeout` for the first byte.
    /// `Ok(None)` means nothing came; `Ok(Some(0))` that the other end closed.
    pub fn read_timeout(
        &mut self,
        buffer: &mut [u8],
        timeout: Duration,
    ) -> io::Result<Option<usize>> {
        if !wait_readable(self.file.as_raw_fd(), timeout)? {
            return Ok(None);
        }
        match self.file.read(buffer) {
            Ok(n) => Ok(Some(n)),
            Err(e) if e.kind() == io::ErrorKind::ConnectionReset => Ok(Some(0)),
            Err(e) => Err(e),
        }
    }

    /// Writes all of `bytes`.
    pub fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.file.write_all(bytes)
    }

    /// Waits until everything written has left (serial devices only).
    pub fn drain(&self) -> io::Result<()> {
        if !self.is_tty {
            return Ok(());
        }
        // SAFETY: tcdrain on a descriptor this Port owns; no memory is passed.
        let status = unsafe { libc::tcdrain(self.file.as_raw_fd()) };
        if status == 0 { Ok(()) } else { Err(io::Error::last_os_error()) }
    }

    /// The raw descriptor (for the terminal's poll loop).
    pub fn raw_fd(&self) -> RawFd {
        self.file.as_raw_fd()
    }
}

/// Waits up to `timeout` for `fd` to become readable (or closed).
pub fn wait_readable(fd: RawFd, timeout: Duration) -> io::Result<bool> {
    let mut poll = libc::pollfd { fd, events: libc::POLLIN, revents: 0 };
    // Rounded up, so a wait of less than a millisecond still waits.
    let millis = timeout.as_micros().div_ceil(1000);
    let millis = libc::c_int::try_from(millis).unwrap_or(libc::c_int::MAX);
    loop {
        // SAFETY: `poll` points to one valid pollfd for the duration of the call.
        let ready = unsafe { libc::poll(&mut poll, 1, millis) };
        if ready >= 0 {
            return Ok(ready > 0);
        }
        let error = io::Error::last_os_error();
        if error.kind() != io::ErrorKind::Interrupted {
            return Err(error);
        }
    }
}

/// Raw 8N1 at 115200 baud (the chainloader's and the kernel's speed), no flow control, reads return what is there.
fn configure_serial(fd: RawFd) -> io::Result<()> {
    // SAFETY: an all-zero termios is a valid value to be overwritten by tcgetattr.
    let mut settings: libc::termios = unsafe { std::mem::zeroed() };
    // SAFETY: `fd` is open; `settings` is a valid termios the call fills in.
    if unsafe { libc::tcgetattr(fd, &mut settings) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `settings` is a valid termios; these calls only modify it.
    unsafe {
        libc::cfmakeraw(&mut settings);
        libc::cfsetispeed(&mut settings, libc::B115200);
        libc::cfsetospeed(&mut settings, libc::B115200);
    }
    settings.c_cflag |= libc::CLOCAL | libc::CREAD;
    settings.c_cflag &= !(libc::CSTOPB | libc::PARENB | libc::CRTSCTS);
    settings.c_iflag &= !(libc::IXON | libc::IXOFF | libc::IXANY);
    settings.c_cc[libc::VMIN] = 1;
    settings.c_cc[libc::VTIME] = 0;
    // SAFETY: `fd` is open; `settings` is a valid termios read by the call.
    if unsafe { libc::tcsetattr(fd, libc::TCSANOW, &settings) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // Forget whatever the adapter received before we were listening.
    // SAFETY: `fd` is open; tcflush takes no memory.
    unsafe { libc::tcflush(fd, libc::TCIFLUSH) };
    Ok(())
}
