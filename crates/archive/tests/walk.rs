//! Archives built here, with each format's own writer, walked back.

use std::io::{Cursor, Write};

use keyhound_archive::{walk, walk_stream, Limit, Limits, Problem, Visit, Walked};
use keyhound_core::Cancel;

const KEY_LINE: &str = "aws.accessKeyId=AKIAQWZ7RNE3OSJHKV4D\n";

/// What a walk saw: each entry's path and content, and each problem.
#[derive(Debug, Default)]
struct Seen {
    entries: Vec<(String, Vec<u8>)>,
    problems: Vec<Problem>,
    walked: Walked,
}

impl Seen {
    fn paths(&self) -> Vec<&str> {
        self.entries.iter().map(|(path, _)| path.as_str()).collect()
    }

    fn content(&self, path: &str) -> &[u8] {
        let found = self.entries.iter().find(|(p, _)| p == path);
        &found
            .unwrap_or_else(|| panic!("{path} in {:?}", self.paths()))
            .1
    }
}

fn walk_with(bytes: &[u8], limits: Limits) -> Seen {
    let mut seen = Seen::default();
    let mut problems = Vec::new();
    seen.walked = walk(
        Cursor::new(bytes),
        limits,
        &Cancel::new(),
        &mut |path, content| {
            let mut bytes = Vec::new();
            content.read_to_end(&mut bytes)?;
            seen.entries.push((path.to_string(), bytes));
            Ok(Visit::Continue)
        },
        &mut |problem| problems.push(problem),
    );
    seen.problems = problems;
    seen
}

fn walk_all(bytes: &[u8]) -> Seen {
    walk_with(bytes, Limits::default())
}

fn zip_of(files: &[(&str, &[u8])], method: zip::CompressionMethod) -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut writer = zip::ZipWriter::new(Cursor::new(&mut bytes));
    let options = zip::write::SimpleFileOptions::default().compression_method(method);
    for (name, content) in files {
        writer.start_file(*name, options).unwrap();
        writer.write_all(content).unwrap();
    }
    writer.finish().unwrap();
    bytes
}

fn zip(files: &[(&str, &[u8])]) -> Vec<u8> {
    zip_of(files, zip::CompressionMethod::Deflated)
}

fn tar(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    builder.append_dir("srv", ".").unwrap_or(());
    for (name, content) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(content.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder.append_data(&mut header, name, *content).unwrap();
    }
    builder.into_inner().unwrap()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

#[test]
fn a_key_in_a_jar_in_a_war_in_a_tar_gz_is_read_with_its_nested_path() {
    let jar = zip(&[
        ("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\n"),
        ("application.properties", KEY_LINE.as_bytes()),
    ]);
    let war = zip(&[
        ("index.html", b"<html></html>"),
        ("WEB-INF/lib/cfg.jar", &jar),
    ]);
    let release = gzip(&tar(&[("srv/app.war", &war), ("srv/README", b"hello\n")]));
    let seen = walk_all(&release);
    assert_eq!(seen.problems, vec![]);
    assert_eq!(
        seen.paths(),
        vec![
            "srv/app.war!/index.html",
            "srv/app.war!/WEB-INF/lib/cfg.jar!/META-INF/MANIFEST.MF",
            "srv/app.war!/WEB-INF/lib/cfg.jar!/application.properties",
            "srv/README",
        ]
    );
    assert_eq!(
        seen.content("srv/app.war!/WEB-INF/lib/cfg.jar!/application.properties"),
        KEY_LINE.as_bytes()
    );
    // The tar's directory, its two files, the war's two, the jar's two.
    assert_eq!(seen.walked.entries, 7);
}

#[test]
fn every_compression_is_opened_by_content_not_by_name() {
    let tarball = tar(&[("conf/app.env", KEY_LINE.as_bytes())]);
    let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
    bz.write_all(&tarball).unwrap();
    let bzipped = bz.finish().unwrap();
    let mut xz = lzma_rust2::XzWriter::new(Vec::new(), lzma_rust2::XzOptions::default()).unwrap();
    xz.write_all(&tarball).unwrap();
    let xzed = xz.finish().unwrap();
    let zstded = ruzstd::encoding::compress_to_vec(
        Cursor::new(&tarball),
        ruzstd::encoding::CompressionLevel::Fastest,
    );
    for (format, bytes) in [
        ("tar", tarball.clone()),
        ("gzip", gzip(&tarball)),
        ("bzip2", bzipped),
        ("xz", xzed),
        ("zstd", zstded),
    ] {
        let seen = walk_all(&bytes);
        assert_eq!(seen.problems, vec![], "{format}");
        assert_eq!(seen.paths(), vec!["conf/app.env"], "{format}");
        assert_eq!(
            seen.content("conf/app.env"),
            KEY_LINE.as_bytes(),
            "{format}"
        );
    }
    // A compressed file that is no archive stands at the stream's own path.
    let seen = walk_all(&gzip(KEY_LINE.as_bytes()));
    assert_eq!(seen.paths(), vec![""]);
    assert_eq!(seen.content(""), KEY_LINE.as_bytes());
    // Stored and bzip2 zip entries too.
    for method in [
        zip::CompressionMethod::Stored,
        zip::CompressionMethod::Bzip2,
    ] {
        let seen = walk_all(&zip_of(&[("a.env", KEY_LINE.as_bytes())], method));
        assert_eq!(seen.content("a.env"), KEY_LINE.as_bytes(), "{method:?}");
    }
}

#[test]
fn a_stream_that_cannot_seek_is_walked_too() {
    let wheel = zip(&[("pkg/settings.py", KEY_LINE.as_bytes())]);
    let mut seen = Vec::new();
    walk_stream(
        &mut Cursor::new(gzip(&wheel)),
        Limits::default(),
        &Cancel::new(),
        &mut |path, _| {
            seen.push(path.to_string());
            Ok(Visit::Continue)
        },
        &mut |problem| panic!("{problem}"),
    );
    assert_eq!(seen, vec!["pkg/settings.py"]);
}

/// Sets the "encrypted" flag on every entry of a zip: the local header's and the central
/// directory's general purpose bit 0.
fn mark_encrypted(mut zip: Vec<u8>) -> Vec<u8> {
    let mut at = 0;
    while at + 4 <= zip.len() {
        match &zip[at..at + 4] {
            b"PK\x03\x04" => zip[at + 6] |= 1,
            b"PK\x01\x02" => zip[at + 8] |= 1,
            _ => {}
        }
        at += 1;
    }
    zip
}

#[test]
fn encrypted_and_damaged_entries_are_named() {
    let encrypted = mark_encrypted(zip(&[("secret.env", KEY_LINE.as_bytes())]));
    let seen = walk_all(&encrypted);
    assert_eq!(seen.paths(), Vec::<&str>::new());
    assert_eq!(
        seen.problems,
        vec![Problem::Encrypted {
            entry: "secret.env".into()
        }]
    );

    // A byte of the deflated data flipped: the entry fails its checksum or its inflation.
    let good = zip(&[
        ("a.txt", "first entry, fine\n".repeat(50).as_bytes()),
        ("b.txt", b"second entry\n"),
    ]);
    let mut damaged = good.clone();
    damaged[40] ^= 0x55;
    let seen = walk_all(&damaged);
    assert!(
        matches!(&seen.problems[..], [Problem::Corrupt { entry, .. }] if entry == "a.txt"),
        "{:?}",
        seen.problems
    );
    assert!(seen.paths().contains(&"b.txt"), "the next entry is read");

    // Cut before its central directory: no zip to list.
    let seen = walk_all(&good[..good.len() - 30]);
    assert!(
        matches!(&seen.problems[..], [Problem::Corrupt { entry, .. }] if entry.is_empty()),
        "{:?}",
        seen.problems
    );

    // A tar.gz cut short: the entries before the cut are read, the cut is named.
    let release = gzip(&tar(&[
        ("one.txt", &[b'a'; 3000]),
        ("two.txt", &[b'b'; 3000]),
    ]));
    let seen = walk_all(&release[..release.len() / 2]);
    assert!(
        seen.problems
            .iter()
            .any(|p| matches!(p, Problem::Corrupt { .. })),
        "{:?}",
        seen.problems
    );
}

#[test]
fn archives_nested_past_the_depth_limit_stop_there() {
    let mut bytes = zip(&[("deepest.env", KEY_LINE.as_bytes())]);
    for level in 0..12 {
        bytes = zip(&[(&format!("level-{level}.zip"), &bytes)]);
    }
    let seen = walk_all(&bytes);
    assert_eq!(seen.paths(), Vec::<&str>::new());
    match &seen.problems[..] {
        [Problem::Limit { entry, limit }] => {
            assert_eq!(*limit, Limit::Depth(8));
            assert_eq!(entry.matches("!/").count(), 7, "{entry}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_entry_of_extreme_ratio_stops_at_the_ratio_limit() {
    // 64 MiB of zeros, deflated about a thousand times.
    let zeros = vec![0u8; 64 << 20];
    let bomb = zip(&[("zeros.bin", &zeros), ("after.env", KEY_LINE.as_bytes())]);
    assert!(bomb.len() < 100 << 10, "{}", bomb.len());
    let seen = walk_with(
        &bomb,
        Limits {
            max_ratio: 500,
            ..Limits::default()
        },
    );
    assert_eq!(
        seen.problems,
        vec![Problem::Limit {
            entry: "zeros.bin".into(),
            limit: Limit::Ratio(500)
        }]
    );
    // Read no further than the ratio allows the entry's compressed size, and a buffer.
    let allowed = 500 * bomb.len() as u64 + (1 << 20);
    assert!(seen.walked.bytes <= allowed, "{}", seen.walked.bytes);
    assert!(
        seen.walked.bytes < zeros.len() as u64,
        "stopped before the end"
    );

    let seen = walk_with(
        &bomb,
        Limits {
            max_bytes: 16 << 20,
            ..Limits::default()
        },
    );
    assert_eq!(
        seen.problems,
        vec![Problem::Limit {
            entry: "zeros.bin".into(),
            limit: Limit::Bytes(16 << 20)
        }]
    );
}

#[test]
fn entry_count_and_nested_zip_size_are_limited() {
    let many: Vec<(String, Vec<u8>)> = (0..50)
        .map(|i| (format!("f{i}.txt"), b"x".to_vec()))
        .collect();
    let files: Vec<(&str, &[u8])> = many
        .iter()
        .map(|(n, c)| (n.as_str(), c.as_slice()))
        .collect();
    let seen = walk_with(
        &zip(&files),
        Limits {
            max_entries: 20,
            ..Limits::default()
        },
    );
    assert_eq!(seen.entries.len(), 20);
    assert_eq!(
        seen.problems,
        vec![Problem::Limit {
            entry: String::new(),
            limit: Limit::Entries(20)
        }]
    );

    let inner = zip_of(
        &[("big.txt", &vec![b'y'; 4096])],
        zip::CompressionMethod::Stored,
    );
    let outer = tar(&[("lib/inner.jar", &inner)]);
    let seen = walk_with(
        &outer,
        Limits {
            max_buffered: 1024,
            ..Limits::default()
        },
    );
    assert_eq!(
        seen.problems,
        vec![Problem::Limit {
            entry: "lib/inner.jar".into(),
            limit: Limit::Buffered(1024)
        }]
    );
}

#[test]
fn a_cancelled_walk_and_a_visitor_that_stops_read_no_further() {
    let archive = zip(&[("a", b"1"), ("b", b"2"), ("c", b"3")]);
    let mut seen = 0;
    walk(
        Cursor::new(&archive),
        Limits::default(),
        &Cancel::new(),
        &mut |_, _| {
            seen += 1;
            Ok(Visit::Stop)
        },
        &mut |problem| panic!("{problem}"),
    );
    assert_eq!(seen, 1);
    let cancel = Cancel::new();
    cancel.cancel();
    let walked = walk(
        Cursor::new(&archive),
        Limits::default(),
        &cancel,
        &mut |_, _| panic!("nothing is read"),
        &mut |problem| panic!("{problem}"),
    );
    assert_eq!(walked.entries, 0);
}

/// A zip entry compressed with zstd (method 93), as newer zip tools write: built as a
/// stored entry holding a zstd frame, its method then set to 93 in both headers.
#[test]
fn a_zstd_zip_entry_is_read_with_ruzstd() {
    let frame = ruzstd::encoding::compress_to_vec(
        Cursor::new(KEY_LINE.as_bytes()),
        ruzstd::encoding::CompressionLevel::Fastest,
    );
    let mut bytes = zip_of(&[("conf/app.env", &frame)], zip::CompressionMethod::Stored);
    let mut at = 0;
    while at + 4 <= bytes.len() {
        match &bytes[at..at + 4] {
            b"PK\x03\x04" => bytes[at + 8..at + 10].copy_from_slice(&93u16.to_le_bytes()),
            b"PK\x01\x02" => bytes[at + 10..at + 12].copy_from_slice(&93u16.to_le_bytes()),
            _ => {}
        }
        at += 1;
    }
    let seen = walk_all(&bytes);
    assert_eq!(seen.problems, vec![]);
    assert_eq!(seen.content("conf/app.env"), KEY_LINE.as_bytes());
}
