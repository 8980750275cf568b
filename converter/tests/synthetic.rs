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

#[test]
fn a_read_password_is_reported_as_such() {
    let bytes = compound(
        &["/   19"],
        vec![
            (
                "/\u{1}CompObj",
                comp_obj("Microsoft Project 9.0", "MSProject.MPP9"),
            ),
            ("/Props9", props(&[(PASSWORD_FLAG, &[1, 0])])),
        ],
    );
    let result = convert_bytes(&bytes);
    assert!(
        matches!(result, Err(ConvertError::PasswordProtected)),
        "{result:?}"
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
