//! Inputs built by the tests themselves (no corpus): what is not a Project file, what is a
//! Project file we refuse, and garbage, must each give the right typed error and never panic.

// Tests fail by panicking, and their inputs are their own.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use converter::{ConvertError, Limits, Options, convert};
use std::time::Duration;
use support::{Entries, Outcome, check_mspdi, comp_obj, convert_guarded};
use testkit::{Rng, props};

/// Root `Props` key of the password flags (bit 0: a password is needed to open the file).
const PASSWORD_FLAG: u32 = 0x3540_0000;

fn convert_bytes(bytes: &[u8]) -> Result<converter::Conversion, ConvertError> {
    convert(bytes, &mut Options::default())
}

fn compound(storages: &[&str], streams: Vec<(&str, Vec<u8>)>) -> Vec<u8> {
    Entries {
        storages: storages.iter().map(|s| (*s).to_owned()).collect(),
        streams: streams
            .into_iter()
            .map(|(p, d)| (p.to_owned(), d))
            .collect(),
    }
    .write()
    .unwrap()
}

fn comp_obj_only(application: &str, format: &str) -> Vec<u8> {
    compound(&[], vec![("/\u{1}CompObj", comp_obj(application, format))])
}

#[test]
fn empty_input_is_not_mpp() {
    assert!(matches!(convert_bytes(&[]), Err(ConvertError::NotMpp(_))));
}

#[test]
fn random_bytes_are_not_mpp() {
    let mut rng = Rng::new(1);
    for len in [1, 7, 8, 511, 512, 513, 4096, 70_000] {
        let bytes: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
        let result = convert_bytes(&bytes);
        assert!(
            matches!(result, Err(ConvertError::NotMpp(_))),
            "{len} bytes: {result:?}"
        );
    }
}

#[test]
fn random_bytes_behind_the_compound_file_signature_fail_cleanly() {
    let mut rng = Rng::new(2);
    for len in [8, 512, 1024, 4096, 65_536] {
        for round in 0..8 {
            let mut bytes: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
            bytes.splice(..8, [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
            let label = format!("signature + {len} random bytes, round {round}");
            match convert_guarded(&label, bytes, Duration::from_secs(30)) {
                Outcome::Returned(result) => assert!(result.is_err(), "{label}: converted"),
                Outcome::Panicked(message) => panic!("{label}: panicked: {message}"),
                Outcome::TimedOut => panic!("{label}: did not finish in 30 s"),
            }
        }
    }
}

#[test]
fn a_compound_file_without_comp_obj_is_not_mpp() {
    let bytes = compound(&["/   19"], vec![("/Props9", props::<&[u8]>(&[]))]);
    let result = convert_bytes(&bytes);
    assert!(matches!(result, Err(ConvertError::NotMpp(_))), "{result:?}");
}

#[test]
fn a_comp_obj_naming_another_format_is_not_mpp() {
    for (application, format) in [
        ("Microsoft Project 9.0", "Word.Document.8"),
        ("Microsoft Project 9.0", ""),
        ("Microsoft Word-Dokument", "MSWordDoc"),
        ("", "MSProject.MPP9"),
    ] {
        let result = convert_bytes(&comp_obj_only(application, format));
        assert!(
            matches!(result, Err(ConvertError::NotMpp(_))),
            "{application}/{format}: {result:?}"
        );
    }
}

#[test]
fn unknown_generations_are_unsupported() {
    for (application, format) in [
        ("Microsoft Project 4.0", "MSProject.MPP4"),
        ("Microsoft Project 99.0", "MSProject.MPP99"),
    ] {
        let result = convert_bytes(&comp_obj_only(application, format));
        assert!(
            matches!(result, Err(ConvertError::UnsupportedVersion(_))),
            "{application}/{format}: {result:?}"
        );
    }
}

#[test]
fn a_project_file_without_its_project_storage_is_damaged() {
    for (application, format) in [
        ("Microsoft Project 8.0", "MSProject.MPP8"),
        ("Microsoft Project 9.0", "MSProject.MPP9"),
    ] {
        let result = convert_bytes(&comp_obj_only(application, format));
        assert!(
            matches!(result, Err(ConvertError::Corrupt(_))),
            "{application}: {result:?}"
        );
    }
}

/// Root `Props` key of the encoded password block (MPP14 is encrypted only when it exists).
const PASSWORD_BLOCK: u32 = 0x3540_0004;
/// Root `Props` key of the byte that gives an MPP9 file's XOR mask (0xFF minus it).
const ENCRYPTION_CODE: u32 = 0x3540_0007;
/// Project `Props` key of the currency symbol (UTF-16), written as `<CurrencySymbol>`.
const CURRENCY_SYMBOL: u32 = 0x0240_0010;

fn utf16(text: &str) -> Vec<u8> {
    text.encode_utf16()
        .chain([0])
        .flat_map(u16::to_le_bytes)
        .collect()
}

#[test]
fn a_read_password_of_project_2007_and_later_is_reported_as_such() {
    for (application, format, root, storage) in [
        (
            "Microsoft Project 12.0",
            "MSProject.MPP12",
            "/Props12",
            "/   112",
        ),
        (
            "Microsoft.Project 14.0",
            "MSProject.MPP14",
            "/Props14",
            "/   114",
        ),
    ] {
        let bytes = compound(
            &[storage],
            vec![
                ("/\u{1}CompObj", comp_obj(application, format)),
                (
                    root,
                    props(&[
                        (PASSWORD_FLAG, &[1u8, 0][..]),
                        (PASSWORD_BLOCK, &[7; 64][..]),
                    ]),
                ),
            ],
        );
        let result = convert_bytes(&bytes);
        assert!(
            matches!(result, Err(ConvertError::PasswordProtected)),
            "{format}: {result:?}"
        );
    }
}

#[test]
fn a_project_2000_read_password_is_read_past_and_its_mask_undone() {
    let code = 170u8;
    let mask = 0xFF - code;
    let project_props: Vec<u8> = props(&[(CURRENCY_SYMBOL, utf16("Kč"))])
        .into_iter()
        .map(|b| b ^ mask)
        .collect();
    let bytes = compound(
        &["/   19"],
        vec![
            (
                "/\u{1}CompObj",
                comp_obj("Microsoft Project 9.0", "MSProject.MPP9"),
            ),
            (
                "/Props9",
                props(&[
                    (PASSWORD_FLAG, &[1u8, 0][..]),
                    (ENCRYPTION_CODE, &[code][..]),
                ]),
            ),
            ("/   19/Props", project_props),
        ],
    );
    let conversion = match convert_guarded("read password", bytes, Duration::from_secs(30)) {
        Outcome::Returned(Ok(conversion)) => conversion,
        Outcome::Returned(Err(e)) => panic!("refused: {e}"),
        Outcome::Panicked(message) => panic!("panicked: {message}"),
        Outcome::TimedOut => panic!("did not finish in 30 s"),
    };
    assert_eq!(check_mspdi(&conversion.xml), Ok(()));
    let xml = String::from_utf8_lossy(&conversion.xml);
    assert!(
        xml.contains("<CurrencySymbol>Kč</CurrencySymbol>"),
        "the project Props were not unmasked"
    );
    assert!(
        conversion
            .warnings
            .iter()
            .any(|w| w.contains("password to open it")),
        "{:?}",
        conversion.warnings
    );
}

#[test]
fn a_write_reservation_password_alone_does_not_stop_reading() {
    let bytes = compound(
        &["/   19"],
        vec![
            (
                "/\u{1}CompObj",
                comp_obj("Microsoft Project 9.0", "MSProject.MPP9"),
            ),
            ("/Props9", props(&[(PASSWORD_FLAG, &[2, 0])])),
        ],
    );
    match convert_guarded("write password only", bytes, Duration::from_secs(30)) {
        Outcome::Returned(Ok(conversion)) => assert_eq!(check_mspdi(&conversion.xml), Ok(())),
        Outcome::Returned(Err(e)) => {
            assert!(
                !matches!(e, ConvertError::PasswordProtected),
                "refused as protected"
            )
        }
        Outcome::Panicked(message) => panic!("panicked: {message}"),
        Outcome::TimedOut => panic!("did not finish in 30 s"),
    }
}

#[test]
fn inputs_over_the_size_limit_are_refused_before_reading() {
    let mut options = Options {
        limits: Limits {
            max_input_bytes: 100,
            ..Limits::default()
        },
        ..Options::default()
    };
    let result = convert(&[0u8; 101], &mut options);
    assert!(
        matches!(
            result,
            Err(ConvertError::TooLarge {
                size: 101,
                limit: 100
            })
        ),
        "{result:?}"
    );
}

#[test]
fn the_xml_check_accepts_mspdi_and_names_what_is_wrong() {
    let good = b"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
        <Project xmlns=\"http://schemas.microsoft.com/project\"><Name>a &amp; b &#233;</Name>\
        <Tasks/></Project>\n";
    assert_eq!(check_mspdi(good), Ok(()));
    let bad: [(&[u8], &str); 8] = [
        (b"<Project><Name></Project>", "</Name>"),
        (b"<Task></Task>", "not <Project>"),
        (b"<Project/><Project/>", "second root"),
        (b"<Project>\x01</Project>", "U+0001"),
        (b"<Project>&nbsp;</Project>", "undeclared entity"),
        (b"<Project>&#1;</Project>", "character reference"),
        (b"<Project a=\"1\" a=\"2\"/>", "attribute"),
        (b"<Project><Tasks>", "not closed"),
    ];
    for (xml, expected) in bad {
        let shown = String::from_utf8_lossy(xml);
        match check_mspdi(xml) {
            Ok(()) => panic!("accepted {shown:?}"),
            Err(message) => {
                assert!(
                    message.contains(expected),
                    "{shown:?}: {message:?} lacks {expected:?}"
                )
            }
        }
    }
    assert!(check_mspdi(b"").is_err());
    assert!(check_mspdi(b"\xFF<Project/>").is_err());
}

/// The sector size a compound file's header names.
fn sector_size(file: &[u8]) -> usize {
    1usize << u16::from_le_bytes(file.get(0x1E..0x20).unwrap().try_into().unwrap())
}

/// Overwrites the `u32` at `at`.
fn set_u32(file: &mut [u8], at: usize, value: u32) {
    file.get_mut(at..at + 4)
        .unwrap()
        .copy_from_slice(&value.to_le_bytes());
}

/// A Project 2000 file whose project `Props` (6,028 bytes, in regular sectors) is the last
/// stream of the container, and the offset in the file where that stream's data ends.
fn file_ending_in_project_props() -> (Vec<u8>, usize) {
    let filler: Vec<u8> = (0..6000u32).map(|i| (i % 251) as u8).collect();
    let project_props = props(&[(0x0777_0001, filler)]);
    let tail = project_props
        .get(project_props.len() - 64..)
        .unwrap()
        .to_vec();
    let bytes = compound(
        &["/   19"],
        vec![
            (
                "/\u{1}CompObj",
                comp_obj("Microsoft Project 9.0", "MSProject.MPP9"),
            ),
            ("/Props9", props::<&[u8]>(&[])),
            ("/   19/Props", project_props),
        ],
    );
    let end = bytes
        .windows(tail.len())
        .rposition(|w| w == tail.as_slice())
        .unwrap()
        + tail.len();
    let sector = sector_size(&bytes);
    assert_eq!(
        bytes.len(),
        end.div_ceil(sector) * sector,
        "the project Props do not end the file"
    );
    (bytes, end)
}

fn converts_with_warning(label: &str, bytes: Vec<u8>, warning: &str) {
    match convert_guarded(label, bytes, Duration::from_secs(30)) {
        Outcome::Returned(Ok(conversion)) => {
            assert_eq!(check_mspdi(&conversion.xml), Ok(()), "{label}");
            assert!(
                conversion.warnings.iter().any(|w| w.contains(warning)),
                "{label}: no warning with {warning:?} in {:?}",
                conversion.warnings
            );
        }
        Outcome::Returned(Err(e)) => panic!("{label}: refused: {e}"),
        Outcome::Panicked(message) => panic!("{label}: panicked: {message}"),
        Outcome::TimedOut => panic!("{label}: did not finish in 30 s"),
    }
}

#[test]
fn a_container_with_slack_past_the_end_converts_with_a_warning() {
    let (whole, end) = file_ending_in_project_props();
    let sector = sector_size(&whole);
    let in_file = u32::try_from(whole.len() / sector - 1).unwrap();
    let fat_sector =
        u32::from_le_bytes(whole.get(0x4C..0x50).unwrap().try_into().unwrap()) as usize;

    // The last sector cut short, behind the end of the stream's data.
    let short = whole.get(..end + 10).unwrap().to_vec();
    converts_with_warning("short last sector", short, "into its last");

    // The FAT describes sectors past the end, chained as if they had been written, and the
    // header counts a FAT sector listed past the end.
    let mut long_fat = whole.clone();
    for s in in_file..in_file + 20 {
        set_u32(
            &mut long_fat,
            (fat_sector + 1) * sector + 4 * s as usize,
            s + 1,
        );
    }
    set_u32(&mut long_fat, 0x2C, 2);
    set_u32(&mut long_fat, 0x50, in_file + 40);
    converts_with_warning("FAT past the end", long_fat.clone(), "past the end");

    // All of it at once.
    long_fat.truncate(end + 10);
    converts_with_warning("FAT past the end, short", long_fat, "past the end");
}

#[test]
fn a_needed_stream_cut_off_by_the_end_of_the_file_is_truncated() {
    let (whole, end) = file_ending_in_project_props();
    for cut in [1, 100, 2000] {
        let result = convert_bytes(whole.get(..end - cut).unwrap());
        match result {
            Err(ConvertError::Truncated { ref stream, .. }) => {
                assert!(stream.ends_with("19/Props"), "cut by {cut}: {stream}");
                let message = result.err().map(|e| e.to_string()).unwrap_or_default();
                assert!(message.contains("truncated"), "{message}");
            }
            other => panic!("cut by {cut}: {other:?}"),
        }
    }
}

#[test]
fn a_stream_the_conversion_does_not_read_may_be_cut_off() {
    let view_props = props(&[(0x0777_0002, vec![9u8; 6000])]);
    let bytes = compound(
        &["/   19", "/   29"],
        vec![
            (
                "/\u{1}CompObj",
                comp_obj("Microsoft Project 9.0", "MSProject.MPP9"),
            ),
            ("/Props9", props::<&[u8]>(&[])),
            ("/   19/Props", props::<&[u8]>(&[])),
            ("/   29/Props", view_props.clone()),
        ],
    );
    let tail = view_props.get(view_props.len() - 64..).unwrap();
    let end = bytes.windows(64).rposition(|w| w == tail).unwrap() + 64;
    let sector = sector_size(&bytes);
    assert_eq!(
        bytes.len(),
        end.div_ceil(sector) * sector,
        "the view Props do not end the file"
    );
    let cut = bytes.get(..end - 100).unwrap().to_vec();
    converts_with_warning("view Props cut off", cut, "does not use");
}
