//! A zlib (RFC 1950) / DEFLATE (RFC 1951) decoder into a caller's slice, small
//! enough for the decompressor stub and quick enough that unpacking the kernel
//! costs a fraction of its boot.
//!
//! Huffman codes are decoded through a table indexed by the next
//! [`FAST_BITS`] bits, which resolves the frequent short codes in one
//! lookup; longer codes fall back to walking the canonical code length by
//! length. No allocation, no unsafe code; every malformed input is an
//! [`InflateError`], never a panic or an out-of-bounds write, and the
//! Adler-32 of the output must match the stream's.

/// Bits resolved by one table lookup.
const FAST_BITS: u32 = 10;
/// Longest code DEFLATE allows.
const MAX_BITS: usize = 15;
/// Symbols of the literal/length alphabet (286 used, 288 with the fixed code's two extra).
const LITLEN_SYMBOLS: usize = 288;
/// Symbols of the distance alphabet (30 used, 32 in the fixed code).
const DIST_SYMBOLS: usize = 32;
/// End of block, in the literal/length alphabet.
const END_OF_BLOCK: u16 = 256;

/// Match lengths for length symbols 257..=285: base and extra bits.
const LENGTH_BASE: [u16; 29] = [
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131,
    163, 195, 227, 258,
];
const LENGTH_EXTRA: [u8; 29] =
    [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
/// Distances for distance symbols 0..=29: base and extra bits.
const DIST_BASE: [u16; 30] = [
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
    2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
];
const DIST_EXTRA: [u8; 30] = [
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13,
    13,
];
/// Order in which a dynamic block lists the code-length code's lengths.
const CODE_LENGTH_ORDER: [u8; 19] =
    [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/// Why a stream could not be decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InflateError {
    /// The two-byte zlib header is not DEFLATE, fails its check, or asks for a preset dictionary.
    BadZlibHeader,
    /// A block type of 3.
    BadBlockType,
    /// A stored block whose length and its complement disagree.
    BadStoredLength,
    /// A Huffman code with more codes than its lengths allow.
    BadCode,
    /// Bits that match no code of the block's Huffman code.
    BadSymbol,
    /// A distance reaching back before the start of the output.
    BadDistance,
    /// The output does not fit the destination.
    OutputTooLarge,
    /// The stream ended before its end.
    Truncated,
    /// The Adler-32 of the output differs from the stream's.
    ChecksumMismatch,
}

impl InflateError {
    /// A one-line description (no formatting machinery needed).
    pub const fn message(self) -> &'static str {
        match self {
            Self::BadZlibHeader => "not a zlib stream of DEFLATE data",
            Self::BadBlockType => "invalid block type",
            Self::BadStoredLength => "stored block length check failed",
            Self::BadCode => "over-subscribed Huffman code",
            Self::BadSymbol => "bits that match no Huffman code",
            Self::BadDistance => "match distance before the start of the output",
            Self::OutputTooLarge => "output larger than the destination",
            Self::Truncated => "stream truncated",
            Self::ChecksumMismatch => "Adler-32 checksum mismatch",
        }
    }
}

/// Decodes the zlib stream `input` into `output`; returns the bytes written.
pub fn inflate_zlib(input: &[u8], output: &mut [u8]) -> Result<usize, InflateError> {
    let (&[cmf, flags], body) = input.split_first_chunk::<2>().ok_or(InflateError::Truncated)?;
    let check = u16::from_be_bytes([cmf, flags]);
    if cmf & 0x0f != 8 || cmf >> 4 > 7 || check % 31 != 0 || flags & 0x20 != 0 {
        return Err(InflateError::BadZlibHeader);
    }
    let mut bits = BitReader::new(body);
    let written = inflate_raw(&mut bits, output)?;
    // The Adler-32 follows the last block, big-endian, from the next whole byte.
    let trailer = bits.aligned_rest().ok_or(InflateError::Truncated)?;
    let expected = trailer.first_chunk::<4>().ok_or(InflateError::Truncated)?;
    if adler32(&output[..written]) != u32::from_be_bytes(*expected) {
        return Err(InflateError::ChecksumMismatch);
    }
    Ok(written)
}

/// Adler-32 (RFC 1950) of `data`.
pub fn adler32(data: &[u8]) -> u32 {
    const MODULUS: u32 = 65_521;
    // 5552 bytes is the most that can be summed before `b` could overflow.
    let (mut a, mut b) = (1u32, 0u32);
    for chunk in data.chunks(5552) {
        for &byte in chunk {
            a += u32::from(byte);
            b += a;
        }
        a %= MODULUS;
        b %= MODULUS;
    }
    (b << 16) | a
}

/// Decodes DEFLATE blocks until the final one.
fn inflate_raw(bits: &mut BitReader<'_>, output: &mut [u8]) -> Result<usize, InflateError> {
    let mut out = Output { bytes: output, len: 0 };
    let mut litlen = Huffman::new();
    let mut dist = Huffman::new();
    loop {
        let last = bits.take(1)? == 1;
        match bits.take(2)? {
            0 => stored_block(bits, &mut out)?,
            1 => {
                let mut lengths = [0u8; LITLEN_SYMBOLS + DIST_SYMBOLS];
                lengths[..144].fill(8);
                lengths[144..256].fill(9);
                lengths[256..280].fill(7);
                lengths[280..LITLEN_SYMBOLS].fill(8);
                lengths[LITLEN_SYMBOLS..].fill(5);
                litlen.build(&lengths[..LITLEN_SYMBOLS])?;
                dist.build(&lengths[LITLEN_SYMBOLS..])?;
                compressed_block(bits, &mut out, &litlen, &dist)?;
            }
            2 => {
                read_dynamic_codes(bits, &mut litlen, &mut dist)?;
                compressed_block(bits, &mut out, &litlen, &dist)?;
            }
            _ => return Err(InflateError::BadBlockType),
        }
        if last {
            return Ok(out.len);
        }
    }
}

fn stored_block(bits: &mut BitReader<'_>, out: &mut Output<'_>) -> Result<(), InflateError> {
    bits.align_to_byte();
    let len = bits.take(16)?;
    let complement = bits.take(16)?;
    if len != !complement & 0xffff {
        return Err(InflateError::BadStoredLength);
    }
    for _ in 0..len {
        out.push(bits.take(8)? as u8)?;
    }
    Ok(())
}

/// Reads a dynamic block's code descriptions into `litlen` and `dist`.
fn read_dynamic_codes(
    bits: &mut BitReader<'_>,
    litlen: &mut Huffman,
    dist: &mut Huffman,
) -> Result<(), InflateError> {
    let litlen_count = bits.take(5)? as usize + 257;
    let dist_count = bits.take(5)? as usize + 1;
    let code_length_count = bits.take(4)? as usize + 4;
    if litlen_count > 286 || dist_count > 30 {
        return Err(InflateError::BadCode);
    }
    let mut code_length_lengths = [0u8; 19];
    for &symbol in &CODE_LENGTH_ORDER[..code_length_count] {
        code_length_lengths[symbol as usize] = bits.take(3)? as u8;
    }
    // The distance code is rebuilt below: until then its table decodes the
    // code lengths (saving a second table per block).
    let code_lengths = &mut *dist;
    code_lengths.build(&code_length_lengths)?;

    let mut lengths = [0u8; 286 + 30];
    let total = litlen_count + dist_count;
    let mut index = 0;
    while index < total {
        let symbol = code_lengths.decode(bits)?;
        let (value, repeat) = match symbol {
            0..=15 => (symbol as u8, 1),
            16 => {
                let previous = *lengths[..index].last().ok_or(InflateError::BadCode)?;
                (previous, 3 + bits.take(2)? as usize)
            }
            17 => (0, 3 + bits.take(3)? as usize),
            _ => (0, 11 + bits.take(7)? as usize),
        };
        let run = lengths.get_mut(index..index + repeat).ok_or(InflateError::BadCode)?;
        run.fill(value);
        index += repeat;
    }
    if lengths[END_OF_BLOCK as usize] == 0 {
        return Err(InflateError::BadCode);
    }
    litlen.build(&lengths[..litlen_count])?;
    dist.build(&lengths[litlen_count..total])
}

/// Decodes literals and matches until the end-of-block symbol.
fn compressed_block(
    bits: &mut BitReader<'_>,
    out: &mut Output<'_>,
    litlen: &Huffman,
    dist: &Huffman,
) -> Result<(), InflateError> {
    loop {
        // Refill only when a longest code might not be buffered: a refill
        // leaves at least 56 bits, enough for several literals.
        if bits.available < MAX_BITS as u32 {
            bits.refill();
        }
        let symbol = litlen.decode_buffered(bits)?;
        if symbol < END_OF_BLOCK {
            out.push(symbol as u8)?;
            continue;
        }
        if symbol == END_OF_BLOCK {
            return Ok(());
        }
        // The rest of a match: at most 5 + 15 + 13 bits.
        if bits.available < 33 {
            bits.refill();
        }
        let index = usize::from(symbol - 257);
        let (&base, &extra) =
            LENGTH_BASE.get(index).zip(LENGTH_EXTRA.get(index)).ok_or(InflateError::BadSymbol)?;
        let length = usize::from(base) + bits.take_buffered(u32::from(extra))? as usize;
        let index = usize::from(dist.decode_buffered(bits)?);
        let (&base, &extra) =
            DIST_BASE.get(index).zip(DIST_EXTRA.get(index)).ok_or(InflateError::BadSymbol)?;
        let distance = usize::from(base) + bits.take_buffered(u32::from(extra))? as usize;
        out.copy_match(distance, length)?;
    }
}

/// The destination and how much of it is written.
struct Output<'a> {
    bytes: &'a mut [u8],
    len: usize,
}

impl Output<'_> {
    #[inline]
    fn push(&mut self, byte: u8) -> Result<(), InflateError> {
        *self.bytes.get_mut(self.len).ok_or(InflateError::OutputTooLarge)? = byte;
        self.len += 1;
        Ok(())
    }

    /// Appends `length` bytes copied from `distance` back (they may overlap
    /// what is being written: a distance of 1 repeats the last byte).
    fn copy_match(&mut self, distance: usize, length: usize) -> Result<(), InflateError> {
        if distance > self.len {
            return Err(InflateError::BadDistance);
        }
        let end = self.len + length;
        if end > self.bytes.len() {
            return Err(InflateError::OutputTooLarge);
        }
        for at in self.len..end {
            self.bytes[at] = self.bytes[at - distance];
        }
        self.len = end;
        Ok(())
    }
}

/// Bits of the input, least significant first, buffered in a u64.
struct BitReader<'a> {
    input: &'a [u8],
    /// Next input byte to load into `buffer`.
    next: usize,
    buffer: u64,
    /// Valid bits in `buffer`.
    available: u32,
}

impl<'a> BitReader<'a> {
    fn new(input: &'a [u8]) -> Self {
        Self { input, next: 0, buffer: 0, available: 0 }
    }

    /// Loads whole bytes until at least 56 bits are buffered or the input
    /// ends (then fewer are). Away from the end it takes eight bytes at once:
    /// the bytes beyond the whole ones it counts land in bits it has not
    /// counted yet, and the next refill writes the same values there again.
    #[inline(never)]
    fn refill(&mut self) {
        if let Some(bytes) = self.input.get(self.next..self.next + 8) {
            let mut word = [0u8; 8];
            word.copy_from_slice(bytes);
            self.buffer |= u64::from_le_bytes(word) << self.available;
            self.next += ((63 - self.available) >> 3) as usize;
            self.available |= 56;
            return;
        }
        while self.available <= 56 {
            let Some(&byte) = self.input.get(self.next) else { return };
            self.buffer |= u64::from(byte) << self.available;
            self.available += 8;
            self.next += 1;
        }
    }

    /// The next `count` (at most 16) bits without consuming them; missing
    /// bits past the end read as zero.
    #[inline]
    fn peek(&mut self, count: u32) -> u32 {
        if self.available < count {
            self.refill();
        }
        (self.buffer & ((1u64 << count) - 1)) as u32
    }

    #[inline]
    fn consume(&mut self, count: u32) -> Result<(), InflateError> {
        if count > self.available {
            return Err(InflateError::Truncated);
        }
        self.buffer >>= count;
        self.available -= count;
        Ok(())
    }

    /// Takes `count` (at most 16) bits as a number.
    #[inline(never)]
    fn take(&mut self, count: u32) -> Result<u32, InflateError> {
        let value = self.peek(count);
        self.consume(count)?;
        Ok(value)
    }

    /// [`take`](Self::take) from the bits already buffered (the caller
    /// refilled): the extra bits of every match.
    #[inline(always)]
    fn take_buffered(&mut self, count: u32) -> Result<u32, InflateError> {
        let value = (self.buffer & ((1u64 << count) - 1)) as u32;
        self.consume(count)?;
        Ok(value)
    }

    /// Drops the bits up to the next byte boundary.
    fn align_to_byte(&mut self) {
        let drop = self.available % 8;
        self.buffer >>= drop;
        self.available -= drop;
    }

    /// The input from the next byte boundary on.
    fn aligned_rest(mut self) -> Option<&'a [u8]> {
        self.align_to_byte();
        let buffered = (self.available / 8) as usize;
        self.input.get(self.next - buffered..)
    }
}

/// A canonical Huffman code over at most [`LITLEN_SYMBOLS`] symbols (one type
/// for all three alphabets keeps the decoder small).
struct Huffman {
    /// Codes of each length (index 0 unused).
    counts: [u16; MAX_BITS + 1],
    /// Symbols in canonical order: by code length, then by symbol.
    symbols: [u16; LITLEN_SYMBOLS],
    /// For each length: the first canonical code of that length, and the
    /// index in `symbols` of its symbol (for codes longer than FAST_BITS).
    first_code: [u16; MAX_BITS + 1],
    first_index: [u16; MAX_BITS + 1],
    /// Bits the fast table is indexed by: FAST_BITS, or the longest code if
    /// that is shorter (a smaller table to fill).
    fast_bits: u32,
    /// Indexed by the next `fast_bits` input bits: `symbol << 4 | length`
    /// for codes of at most `fast_bits` bits, 0 where a longer code starts.
    fast: [u16; 1 << FAST_BITS],
}

impl Huffman {
    const fn new() -> Self {
        Self {
            counts: [0; MAX_BITS + 1],
            symbols: [0; LITLEN_SYMBOLS],
            first_code: [0; MAX_BITS + 1],
            first_index: [0; MAX_BITS + 1],
            fast_bits: 0,
            fast: [0; 1 << FAST_BITS],
        }
    }

    /// Builds the code from each symbol's code length (0 = unused).
    /// Incomplete codes are accepted (DEFLATE allows one-code distance
    /// trees); over-subscribed ones are not.
    fn build(&mut self, lengths: &[u8]) -> Result<(), InflateError> {
        self.counts = [0; MAX_BITS + 1];
        for &length in lengths {
            self.counts[usize::from(length)] += 1;
        }
        self.counts[0] = 0;
        let mut left: i32 = 1;
        let mut offsets = [0u16; MAX_BITS + 2];
        for length in 1..=MAX_BITS {
            left = (left << 1) - i32::from(self.counts[length]);
            if left < 0 {
                return Err(InflateError::BadCode);
            }
            offsets[length + 1] = offsets[length] + self.counts[length];
        }
        self.first_index.copy_from_slice(&offsets[..=MAX_BITS]);
        let mut code = 0u16;
        for length in 1..=MAX_BITS {
            code = (code + self.counts[length - 1]) << 1;
            self.first_code[length] = code;
        }
        for (symbol, &length) in lengths.iter().enumerate() {
            if length != 0 {
                let slot = &mut offsets[usize::from(length)];
                self.symbols[usize::from(*slot)] = symbol as u16;
                *slot += 1;
            }
        }
        // Fill the fast table: walk the codes in canonical order.
        let longest = (1..=MAX_BITS).rev().find(|&length| self.counts[length] != 0).unwrap_or(1);
        self.fast_bits = FAST_BITS.min(longest as u32);
        let table = 1usize << self.fast_bits;
        self.fast[..table].fill(0);
        let (mut code, mut index) = (0u32, 0usize);
        for length in 1..=self.fast_bits {
            for _ in 0..self.counts[length as usize] {
                // Codes are sent most significant bit first; the reader
                // delivers bits least significant first.
                let reversed = code.reverse_bits() >> (32 - length);
                let entry = (self.symbols[index] << 4) | length as u16;
                for slot in (reversed as usize..table).step_by(1 << length) {
                    self.fast[slot] = entry;
                }
                code += 1;
                index += 1;
            }
            code <<= 1;
        }
        Ok(())
    }

    /// Decodes one symbol.
    fn decode(&self, bits: &mut BitReader<'_>) -> Result<u16, InflateError> {
        if bits.available < MAX_BITS as u32 {
            bits.refill();
        }
        self.decode_buffered(bits)
    }

    /// Decodes one symbol from the bits already buffered (at least 15, or
    /// all that remain of the input).
    #[inline(always)]
    fn decode_buffered(&self, bits: &mut BitReader<'_>) -> Result<u16, InflateError> {
        let index = bits.buffer as usize & ((1 << self.fast_bits) - 1) & ((1 << FAST_BITS) - 1);
        let entry = self.fast[index];
        let (symbol, length) = if entry != 0 {
            (entry >> 4, u32::from(entry & 0xf))
        } else {
            self.decode_long(bits.buffer as u32)?
        };
        bits.consume(length)?;
        Ok(symbol)
    }

    /// Decodes a code longer than `fast_bits` from the next input bits: for
    /// each longer length, is the code formed by that many bits one of this
    /// length's codes? Returns the symbol and the code's length.
    #[inline(never)]
    fn decode_long(&self, next_bits: u32) -> Result<(u16, u32), InflateError> {
        // The next 15 bits, first one most significant, as codes are defined.
        let next = next_bits.reverse_bits() >> (32 - MAX_BITS);
        for length in self.fast_bits as usize + 1..=MAX_BITS {
            let code = (next >> (MAX_BITS - length)) as u16;
            let offset = code.wrapping_sub(self.first_code[length]);
            if offset < self.counts[length] {
                let symbol = self.symbols[usize::from(self.first_index[length] + offset)];
                return Ok((symbol, length as u32));
            }
        }
        Err(InflateError::BadSymbol)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(len: usize, seed: u32) -> Vec<u8> {
        // Text-like data with repeats, plus a stretch of noise.
        let words: [&[u8]; 6] =
            [b"async ", b"kernel ", b"await ", b"poll ", b"\x00\x00\x00\x00", b"wake "];
        let mut state = seed | 1;
        let mut data = Vec::new();
        while data.len() < len {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            if state.is_multiple_of(11) {
                data.extend((0..40).map(|i| (state >> (i % 24)) as u8));
            } else {
                data.extend_from_slice(words[(state % 6) as usize]);
            }
        }
        data.truncate(len);
        data
    }

    fn round_trip(data: &[u8], level: u8) {
        let packed = miniz_oxide::deflate::compress_to_vec_zlib(data, level);
        let mut out = vec![0u8; data.len()];
        assert_eq!(inflate_zlib(&packed, &mut out), Ok(data.len()), "level {level}");
        assert_eq!(out, data, "level {level}");
    }

    #[test]
    fn decodes_what_miniz_encodes_at_every_level() {
        for level in [0, 1, 6, 10] {
            round_trip(&sample(200_000, 7), level);
        }
    }

    #[test]
    fn decodes_tiny_and_uniform_inputs() {
        round_trip(b"", 6);
        round_trip(b"a", 6);
        round_trip(&[0u8; 100_000], 10);
        round_trip(&(0..=255).collect::<Vec<u8>>(), 10);
    }

    #[test]
    fn decodes_a_fixed_huffman_block() {
        // zlib.compress(b"hello hello hello", 9) from Python: a fixed block.
        let packed = [
            0x78, 0xda, 0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0x57, 0xc8, 0x40, 0x90, 0x00, 0x3a, 0x2e,
            0x06, 0x7d,
        ];
        let mut out = [0u8; 17];
        assert_eq!(inflate_zlib(&packed, &mut out), Ok(17));
        assert_eq!(&out, b"hello hello hello");
    }

    #[test]
    fn adler32_matches_known_values() {
        assert_eq!(adler32(b""), 1);
        assert_eq!(adler32(b"Wikipedia"), 0x11e6_0398);
        let big = vec![0xffu8; 100_000];
        // Computed with zlib.adler32 in Python.
        assert_eq!(adler32(&big), 0x149a_302c);
    }

    #[test]
    fn every_corruption_is_an_error_or_caught_by_the_checksum() {
        let data = sample(4_000, 3);
        let packed = miniz_oxide::deflate::compress_to_vec_zlib(&data, 10);
        let mut out = vec![0u8; data.len()];
        for at in 0..packed.len() {
            for bit in [0, 3, 7] {
                let mut bad = packed.clone();
                bad[at] ^= 1 << bit;
                // Either an error, or bits the decoder ignores (the padding
                // after the last block) and the output is still right.
                if let Ok(len) = inflate_zlib(&bad, &mut out) {
                    assert_eq!(
                        &out[..len],
                        &data[..],
                        "bit {bit} of byte {at}: wrong output, no error"
                    );
                }
            }
        }
    }

    #[test]
    fn truncation_and_small_destinations_are_errors() {
        let data = sample(10_000, 5);
        let packed = miniz_oxide::deflate::compress_to_vec_zlib(&data, 6);
        let mut out = vec![0u8; data.len()];
        for cut in [0, 1, 2, 10, packed.len() / 2, packed.len() - 1] {
            assert!(inflate_zlib(&packed[..cut], &mut out).is_err(), "cut at {cut}");
        }
        let mut small = vec![0u8; data.len() - 1];
        assert_eq!(inflate_zlib(&packed, &mut small), Err(InflateError::OutputTooLarge));
    }

    #[test]
    fn headers_that_are_not_zlib_deflate_are_refused() {
        let mut out = [0u8; 4];
        for header in [[0x78, 0x9d], [0x79, 0x9c], [0x88, 0x1c], [0x78, 0xbb]] {
            let mut stream = header.to_vec();
            stream.extend_from_slice(&[3, 0, 0, 0, 0, 1]);
            assert_eq!(
                inflate_zlib(&stream, &mut out),
                Err(InflateError::BadZlibHeader),
                "{header:x?}"
            );
        }
    }
}
