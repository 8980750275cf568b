//! Name-based (version 3, MD5) GUIDs. MPP9 stores no GUIDs for value lists and outline code
//! values; MPXJ names them after the field ("Text1") and value ("Text17"), and the same rule
//! here gives the same GUIDs.

use crate::model::Guid;

/// The version-3 GUID of `name` (Java's `UUID.nameUUIDFromBytes`), in storage byte order.
pub fn name_uuid(name: &[u8]) -> Guid {
    let mut h = md5(name);
    if let Some(b) = h.get_mut(6) {
        *b = (*b & 0x0F) | 0x30;
    }
    if let Some(b) = h.get_mut(8) {
        *b = (*b & 0x3F) | 0x80;
    }
    // The digest is in canonical (big-endian) order; storage order swaps the first groups.
    let [a0, a1, a2, a3, b0, b1, c0, c1, rest @ ..] = h;
    let mut out = [0u8; 16];
    let head = [a3, a2, a1, a0, b1, b0, c1, c0];
    for (o, v) in out.iter_mut().zip(head.iter().chain(rest.iter())) {
        *o = *v;
    }
    Guid(out)
}

/// MD5 (RFC 1321).
fn md5(message: &[u8]) -> [u8; 16] {
    const S: [u32; 64] = [
        7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5,
        9, 14, 20, 5, 9, 14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10,
        15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
    ];
    // K[i] = floor(abs(sin(i + 1)) * 2^32).
    const K: [u32; 64] = [
        0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613,
        0xfd469501, 0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193,
        0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d,
        0x02441453, 0xd8a1e681, 0xe7d3fbc8, 0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed,
        0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122,
        0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa,
        0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665, 0xf4292244,
        0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
        0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb,
        0xeb86d391,
    ];
    let mut data = message.to_vec();
    let bit_len = (message.len() as u64).wrapping_mul(8);
    data.push(0x80);
    while data.len() % 64 != 56 {
        data.push(0);
    }
    data.extend_from_slice(&bit_len.to_le_bytes());

    let mut state = [0x67452301u32, 0xefcdab89, 0x98badcfe, 0x10325476];
    for chunk in data.chunks_exact(64) {
        let mut m = [0u32; 16];
        for (word, bytes) in m.iter_mut().zip(chunk.chunks_exact(4)) {
            *word = bytes.try_into().map(u32::from_le_bytes).unwrap_or(0);
        }
        let [mut a, mut b, mut c, mut d] = state;
        for i in 0..64 {
            let (f, g) = match i / 16 {
                0 => ((b & c) | (!b & d), i),
                1 => ((d & b) | (!d & c), (5 * i + 1) % 16),
                2 => (b ^ c ^ d, (3 * i + 5) % 16),
                _ => (c ^ (b | !d), (7 * i) % 16),
            };
            let rotated = a
                .wrapping_add(f)
                .wrapping_add(K.get(i).copied().unwrap_or(0))
                .wrapping_add(m.get(g).copied().unwrap_or(0))
                .rotate_left(S.get(i).copied().unwrap_or(0));
            a = d;
            d = c;
            c = b;
            b = b.wrapping_add(rotated);
        }
        for (s, v) in state.iter_mut().zip([a, b, c, d]) {
            *s = s.wrapping_add(v);
        }
    }
    let mut out = [0u8; 16];
    for (o, v) in out.chunks_exact_mut(4).zip(state) {
        o.copy_from_slice(&v.to_le_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md5_known_answers() {
        let hex = |d: [u8; 16]| d.iter().map(|b| format!("{b:02x}")).collect::<String>();
        assert_eq!(hex(md5(b"")), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(
            hex(md5(b"The quick brown fox jumps over the lazy dog")),
            "9e107d9d372bb6826bd81d3542a419d6"
        );
        assert_eq!(hex(md5(&[b'a'; 100])), "36a92cc94a9e0fa21f625f8bfb007adf");
    }

    #[test]
    fn matches_java_name_uuids() {
        // The table GUIDs MPXJ writes for MPP9 value lists of Text1 and Duration1.
        assert_eq!(
            name_uuid(b"Text1").to_string(),
            "8D993394-C892-3CAA-8683-DC4BA4FAE21D"
        );
        assert_eq!(
            name_uuid(b"Duration17").to_string(),
            "73098363-9EC7-3EFF-A401-B54AD7C53BBD"
        );
    }
}
