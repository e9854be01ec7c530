//! The host side of the chainload protocol (`driver_core::chainload`): find
//! the loader, send the header, send the image while reporting progress, and
//! wait for the loader's verdict.

use crate::port::Port;
use driver_core::chainload::{
    ENQUIRY, ERROR_LINE, Header, IMAGE_OK_LINE, READY_LINE, RECEIVING_LINE, STALL_TIMEOUT_MS,
    ready_line_limit,
};
use std::time::{Duration, Instant};

/// How often an unanswered enquiry is repeated.
const ENQUIRY_INTERVAL: Duration = Duration::from_millis(500);
/// How long the loader may take to answer a header.
const HEADER_ANSWER_TIMEOUT: Duration = Duration::from_secs(3);
/// Bytes written between two progress reports.
const CHUNK: usize = 1024;

/// Why a push failed.
#[derive(Debug, PartialEq, Eq)]
pub enum PushError {
    /// The loader refused the image; its reason.
    Rejected(String),
    /// No loader answered, or it stopped answering.
    Timeout(String),
    /// The link closed.
    Closed,
    /// Reading or writing the link failed.
    Io(String),
}

impl std::fmt::Display for PushError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Rejected(reason) => write!(f, "the chainloader refused the image: {reason}"),
            Self::Timeout(what) => f.write_str(what),
            Self::Closed => f.write_str("the link closed"),
            Self::Io(error) => write!(f, "link error: {error}"),
        }
    }
}

/// What the caller hears about during a push.
pub trait Observer {
    /// A line from the board that is not part of the protocol.
    fn board_line(&mut self, line: &str);
    /// Still no loader after a while (said once).
    fn waiting_for_loader(&mut self);
    /// `sent` of `total` image bytes have been written after `elapsed`.
    fn progress(&mut self, sent: usize, total: usize, elapsed: Duration);
}

/// A finished push.
#[derive(Debug)]
pub struct Pushed {
    /// Time from the first image byte to the loader's acceptance.
    pub elapsed: Duration,
    /// The loader's acceptance line.
    pub verdict: String,
    /// What the board sent after that line (the new kernel's first output).
    pub leftover: Vec<u8>,
}

/// Pushes `image` to the loader on `port`, waiting at most `wait` for a loader
/// to answer. On success the loader is starting the image.
pub fn push(
    port: &mut Port,
    image: &[u8],
    wait: Duration,
    observer: &mut dyn Observer,
) -> Result<Pushed, PushError> {
    let header = Header::for_image(image).map_err(|e| PushError::Rejected(e.to_string()))?;
    let mut lines = Lines::default();

    // 1. Find the loader: ask until it says it is ready.
    let give_up = Instant::now() + wait;
    let mut warned = false;
    let started = Instant::now();
    let limit = 'ready: loop {
        port.write_all(&[ENQUIRY]).map_err(io)?;
        let next_enquiry = (Instant::now() + ENQUIRY_INTERVAL).min(give_up);
        loop {
            match lines.next(port, next_enquiry)? {
                Some(line) if line.starts_with(READY_LINE) => break 'ready ready_line_limit(&line),
                Some(line) => observer.board_line(&line),
                None if Instant::now() >= next_enquiry => break,
                None => {}
            }
        }
        if Instant::now() >= give_up {
            return Err(PushError::Timeout(format!(
                "no chainloader answered on {} within {} s",
                port.name,
                wait.as_secs()
            )));
        }
        if !warned && started.elapsed() >= Duration::from_secs(2) {
            observer.waiting_for_loader();
            warned = true;
        }
    };
    if let Some(limit) = limit
        && header.size > limit
    {
        return Err(PushError::Rejected(format!(
            "the image is {} bytes and the chainloader takes at most {limit}",
            header.size
        )));
    }

    // 2. The header; the loader accepts it or says why not.
    port.write_all(&header.to_bytes()).map_err(io)?;
    wait_for(port, &mut lines, RECEIVING_LINE, HEADER_ANSWER_TIMEOUT, observer)?;

    // 3. The image, in chunks, reporting progress.
    let sending = Instant::now();
    for (index, chunk) in image.chunks(CHUNK).enumerate() {
        port.write_all(chunk).map_err(io)?;
        let sent = (index * CHUNK + chunk.len()).min(image.len());
        observer.progress(sent, image.len(), sending.elapsed());
    }
    port.drain().map_err(io)?;
    observer.progress(image.len(), image.len(), sending.elapsed());

    // 4. The verdict: the loader checks the CRC as soon as the last byte is in.
    let verdict_timeout = Duration::from_millis(STALL_TIMEOUT_MS) + Duration::from_secs(2);
    let verdict = wait_for(port, &mut lines, IMAGE_OK_LINE, verdict_timeout, observer)?;
    Ok(Pushed { elapsed: sending.elapsed(), verdict, leftover: lines.pending })
}

/// Reads lines until one starts with `wanted` (returned) or with the error
/// prefix (a rejection); ready lines are skipped, other lines reported.
fn wait_for(
    port: &mut Port,
    lines: &mut Lines,
    wanted: &str,
    timeout: Duration,
    observer: &mut dyn Observer,
) -> Result<String, PushError> {
    let deadline = Instant::now() + timeout;
    while let Some(line) = lines.next(port, deadline)? {
        if line.starts_with(wanted) {
            return Ok(line);
        }
        if let Some(reason) = line.strip_prefix(ERROR_LINE) {
            return Err(PushError::Rejected(reason.trim().to_string()));
        }
        if !line.starts_with(READY_LINE) {
            observer.board_line(&line);
        }
    }
    Err(PushError::Timeout(format!(
        "the chainloader did not answer within {} s (expected \"{wanted}\")",
        timeout.as_secs()
    )))
}

fn io(error: std::io::Error) -> PushError {
    PushError::Io(error.to_string())
}

/// Splits what the board sends into lines (LF-terminated, CR dropped).
#[derive(Default)]
struct Lines {
    pending: Vec<u8>,
}

impl Lines {
    /// The next complete line, or `None` once `deadline` passes.
    fn next(&mut self, port: &mut Port, deadline: Instant) -> Result<Option<String>, PushError> {
        loop {
            if let Some(end) = self.pending.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = self.pending.drain(..=end).collect();
                let text = String::from_utf8_lossy(&line);
                return Ok(Some(
                    text.trim_end_matches(['\r', '\n']).trim_start_matches('\r').into(),
                ));
            }
            let now = Instant::now();
            if now >= deadline {
                return Ok(None);
            }
            let mut buffer = [0u8; 512];
            match port.read_timeout(&mut buffer, deadline - now).map_err(io)? {
                None => return Ok(None),
                Some(0) => return Err(PushError::Closed),
                Some(n) => self.pending.extend_from_slice(&buffer[..n]),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    //! Pushes to the real receive state machine, run in a thread on the other
    //! end of a socket pair and printing the same lines as the chainloader.
    use super::*;
    use driver_core::chainload::{Event, Loader};
    use std::io::{Read, Write};
    use std::os::unix::net::UnixStream;

    /// Lines and progress reports, recorded.
    #[derive(Default)]
    struct Record {
        lines: Vec<String>,
        last_progress: Option<(usize, usize)>,
        waited: bool,
    }

    impl Observer for Record {
        fn board_line(&mut self, line: &str) {
            self.lines.push(line.to_string());
        }
        fn waiting_for_loader(&mut self) {
            self.waited = true;
        }
        fn progress(&mut self, sent: usize, total: usize, _elapsed: Duration) {
            if let Some((previous, _)) = self.last_progress {
                assert!(sent >= previous, "progress went backwards");
            }
            self.last_progress = Some((sent, total));
        }
    }

    /// A simulated chainloader taking at most `max` bytes, with `corrupt`
    /// flipping a bit of the first image byte on the way in. Returns what it
    /// received once it accepted an image (or the link closed).
    fn loader(mut link: UnixStream, max: u32, corrupt: bool) -> std::thread::JoinHandle<Vec<u8>> {
        std::thread::spawn(move || {
            let started = Instant::now();
            let mut destination = vec![0u8; max as usize];
            let mut machine = Loader::new(max);
            let mut in_payload = 0usize;
            link.set_read_timeout(Some(Duration::from_millis(5))).unwrap();
            loop {
                let now = started.elapsed().as_millis() as u64;
                let mut byte = [0u8];
                let event = match link.read(&mut byte) {
                    Ok(0) => return Vec::new(),
                    Ok(_) => {
                        if machine.is_idle() {
                            in_payload = 0;
                        }
                        let mut value = byte[0];
                        if corrupt && in_payload == 12 {
                            value ^= 1;
                        }
                        in_payload += 1;
                        machine.feed(value, now, &mut destination)
                    }
                    Err(_) => machine.poll(now),
                };
                let mut line = String::new();
                event.write_line(max, 0x80000, &mut line).unwrap();
                if link.write_all(line.as_bytes()).is_err() {
                    return Vec::new();
                }
                if let Event::Complete(header) = event {
                    destination.truncate(header.size as usize);
                    return destination;
                }
            }
        })
    }

    fn image(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 7 + i / 251) as u8).collect()
    }

    #[test]
    fn an_image_arrives_intact() {
        let (host, board) = UnixStream::pair().unwrap();
        let board = loader(board, 100_000, false);
        let mut port = Port::from_stream(host);
        let image = image(40_000);
        let mut record = Record::default();
        let pushed = push(&mut port, &image, Duration::from_secs(5), &mut record).unwrap();
        assert!(pushed.verdict.starts_with(IMAGE_OK_LINE), "{}", pushed.verdict);
        assert_eq!(record.last_progress, Some((40_000, 40_000)));
        assert_eq!(board.join().unwrap(), image);
    }

    #[test]
    fn a_too_large_image_is_refused_before_it_is_sent() {
        let (host, board) = UnixStream::pair().unwrap();
        let _board = loader(board, 1000, false);
        let mut port = Port::from_stream(host);
        let error = push(&mut port, &image(1001), Duration::from_secs(5), &mut Record::default());
        assert_eq!(
            error.unwrap_err(),
            PushError::Rejected(
                "the image is 1001 bytes and the chainloader takes at most 1000".into()
            )
        );
    }

    #[test]
    fn a_corrupted_transfer_is_reported_with_the_loaders_reason() {
        let (host, board) = UnixStream::pair().unwrap();
        let _board = loader(board, 100_000, true);
        let mut port = Port::from_stream(host);
        let error = push(&mut port, &image(5000), Duration::from_secs(5), &mut Record::default())
            .unwrap_err();
        match error {
            PushError::Rejected(reason) => assert!(reason.contains("CRC-32 mismatch"), "{reason}"),
            other => panic!("expected a rejection, got {other:?}"),
        }
    }

    #[test]
    fn silence_times_out_and_says_so() {
        let (host, board) = UnixStream::pair().unwrap();
        let mut port = Port::from_stream(host);
        let mut record = Record::default();
        let error = push(&mut port, &image(10), Duration::from_millis(600), &mut record);
        assert!(matches!(error, Err(PushError::Timeout(_))), "{error:?}");
        // It asked every half second, no more often.
        let mut board = board;
        board.set_nonblocking(true).unwrap();
        let mut asked = [0u8; 64];
        let n = board.read(&mut asked).unwrap();
        assert!((1..=3).contains(&n), "{n} enquiries in 0.6 s");
        assert!(asked[..n].iter().all(|&b| b == ENQUIRY));
    }

    #[test]
    fn other_board_output_is_passed_on() {
        let (host, mut board) = UnixStream::pair().unwrap();
        board.write_all(b"hello from the firmware\r\n").unwrap();
        let _board = loader(board, 100_000, false);
        let mut port = Port::from_stream(host);
        let mut record = Record::default();
        push(&mut port, &image(100), Duration::from_secs(5), &mut record).unwrap();
        assert_eq!(record.lines, ["hello from the firmware"]);
    }
}
