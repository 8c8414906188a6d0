//! `keyhound scan` on archives built here: keys compiled into applications (CIS 1.18),
//! inside jars in wars in tarballs, wheels and Lambda zips; archives that cannot be read
//! whole are named and make the scan incomplete, never a silent pass.

use std::io::{Cursor, Write};

use crate::util::*;

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

fn tar_gz(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (name, content) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(content.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder.append_data(&mut header, name, *content).unwrap();
    }
    let tar = builder.into_inner().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&tar).unwrap();
    gz.finish().unwrap()
}

fn properties() -> String {
    format!("# deployed settings\naws.accessKeyId={KEY_ID}\naws.secretKey={SECRET}\n")
}

#[test]
fn a_key_in_a_jar_in_a_war_in_a_tar_gz_is_found_at_its_nested_path() {
    let dir = temp_dir();
    let props = properties();
    let jar = zip(&[("application.properties", props.as_bytes())]);
    let war = zip(&[("WEB-INF/lib/cfg.jar", &jar)]);
    write(
        dir.path(),
        "app.tar.gz",
        tar_gz(&[("srv/app.war", &war), ("srv/README", b"hi\n")]),
    );
    let (run, json) = scan_json(dir.path(), &["."]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let nested = "app.tar.gz!/srv/app.war!/WEB-INF/lib/cfg.jar!/application.properties";
    assert_eq!(finding_keys(&json), vec![format!("{nested}:2:credential")]);
    let finding = &json["findings"][0];
    assert_eq!(finding["archive"], "app.tar.gz");
    assert_eq!(
        finding["entry"],
        "srv/app.war!/WEB-INF/lib/cfg.jar!/application.properties"
    );
    assert!(!run.stdout.contains(SECRET));

    // The human report names the nested path and line.
    let run = scan(dir.path(), &["."]);
    assert!(
        run.stdout.contains(&format!("{nested}:2:")),
        "{}",
        run.stdout
    );
    // Two files scanned: the tar's README and the jar's properties (archives are opened,
    // their entries counted).
    assert!(run.stderr.contains("2 files"), "{}", run.stderr);

    // --no-archives: the compressed bytes hold nothing to see.
    let (run, json) = scan_json(dir.path(), &["--no-archives", "."]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(finding_keys(&json), Vec::<String>::new());
}

#[test]
fn wheels_and_lambda_zips_are_opened_whatever_their_names() {
    let dir = temp_dir();
    let module =
        format!("AWS_ACCESS_KEY_ID = \"{KEY_ID_2}\"\nAWS_SECRET_ACCESS_KEY = \"{SECRET_2}\"\n");
    write(
        dir.path(),
        "dist/tool-1.0-py3-none-any.whl",
        zip(&[
            ("tool/__init__.py", b""),
            ("tool/settings.py", module.as_bytes()),
            ("tool-1.0.dist-info/RECORD", b"tool/__init__.py,,\n"),
        ]),
    );
    let handler = format!("const id = '{KEY_ID}';\nconst secret = '{SECRET}';\n");
    write(
        dir.path(),
        "build/function.bin",
        zip(&[("index.js", handler.as_bytes())]),
    );
    let (run, json) = scan_json(dir.path(), &["."]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        finding_keys(&json),
        vec![
            "build/function.bin!/index.js:1:credential",
            "dist/tool-1.0-py3-none-any.whl!/tool/settings.py:1:credential",
        ]
    );
}

#[test]
fn archives_keyhound_cannot_read_whole_make_the_scan_incomplete_by_name() {
    let dir = temp_dir();
    // Encrypted: the local header's and the central directory's flag bit 0 set.
    let mut encrypted = zip(&[("creds.env", credentials_file().as_bytes())]);
    for at in 0..encrypted.len() - 4 {
        match &encrypted[at..at + 4] {
            b"PK\x03\x04" => encrypted[at + 6] |= 1,
            b"PK\x01\x02" => encrypted[at + 8] |= 1,
            _ => {}
        }
    }
    write(dir.path(), "vault.zip", encrypted);
    let run = scan(dir.path(), &["."]);
    assert_eq!(run.code, 3, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("vault.zip!/creds.env") && run.stderr.contains("encrypted"),
        "{}",
        run.stderr
    );

    // Damaged: its central directory cut off.
    let dir = temp_dir();
    let whole = zip(&[("a.txt", b"hello\n")]);
    write(dir.path(), "broken.jar", &whole[..whole.len() - 10]);
    let run = scan(dir.path(), &["."]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.contains("broken.jar") && run.stderr.contains("damaged"),
        "{}",
        run.stderr
    );
}

#[test]
fn zip_bombs_stop_at_a_limit_with_exit_3() {
    // One entry of extreme ratio: 256 MiB of zeros in bzip2 is a few hundred bytes.
    let zeros = vec![0u8; 256 << 20];
    let bomb = zip_of(
        &[
            ("zeros.bin", &zeros),
            ("after.env", credentials_file().as_bytes()),
        ],
        zip::CompressionMethod::Bzip2,
    );
    assert!(bomb.len() < 64 << 10, "{}", bomb.len());
    let dir = temp_dir();
    write(dir.path(), "bomb.zip", &bomb);
    let run = scan(dir.path(), &["."]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.contains("bomb.zip!/zeros.bin")
            && run.stderr.contains("expands more than 1100 times"),
        "{}",
        run.stderr
    );
    // The limit is a flag; raised past the ratio, the byte budget stops it instead.
    let run = scan(
        dir.path(),
        &[
            "--max-archive-ratio",
            "100000000",
            "--max-archive-bytes",
            "64M",
            ".",
        ],
    );
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("64 MiB decompressed"), "{}", run.stderr);

    // Nested deeper than the depth limit.
    let mut nested = zip(&[("deepest.env", credentials_file().as_bytes())]);
    for level in 0..10 {
        nested = zip(&[(&format!("level-{level}.zip"), &nested)]);
    }
    let dir = temp_dir();
    write(dir.path(), "nested.zip", &nested);
    let run = scan(dir.path(), &["."]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.contains("nested more than 8 deep"),
        "{}",
        run.stderr
    );
    let (run, json) = scan_json(dir.path(), &["--max-archive-depth", "12", "."]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(json["findings"].as_array().unwrap().len(), 1);
}

#[test]
fn sarif_locates_an_archive_entry_at_the_archive_file() {
    let dir = temp_dir();
    let props = properties();
    write(
        dir.path(),
        "lib/cfg.jar",
        zip(&[("application.properties", props.as_bytes())]),
    );
    let run = scan(dir.path(), &["--format", "sarif", "."]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let log: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    crate::sarif::validate(&[&log]);
    let result = &log["runs"][0]["results"][0];
    let location = &result["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "lib/cfg.jar");
    assert_eq!(location["region"]["startLine"], 1, "{location}");
    assert_eq!(
        result["properties"]["archiveEntry"],
        "application.properties"
    );
    let message = result["message"]["text"].as_str().unwrap();
    assert!(
        message.contains("In archive entry application.properties, line 2, column 17."),
        "{message}"
    );
}

#[test]
fn a_staged_jar_holding_a_key_blocks_the_commit_and_history_finds_it_inside() {
    let repo = Repo::init();
    repo.write("README.md", "hello\n");
    repo.commit_all("init");
    let props = properties();
    repo.write(
        "lib/cfg.jar",
        zip(&[("application.properties", props.as_bytes())]),
    );
    repo.git(&["add", "-A"]);
    let (run, json) = repo.keyhound_json(&["git", "staged"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        finding_keys(&json),
        vec!["lib/cfg.jar!/application.properties:2:credential"]
    );
    assert_eq!(json["findings"][0]["entry"], "application.properties");
    assert_eq!(json["findings"][0]["archive"], "lib/cfg.jar");

    // The hook keyhound installs refuses the commit.
    let run = run_in(repo.path(), keyhound().arg("install-hook"));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut commit = repo.git_command(&["commit", "-q", "-m", "a jar"]);
    let run = run_in(repo.path(), &mut commit);
    assert_ne!(run.code, 0, "the commit is refused");
    let said = format!("{}{}", run.stdout, run.stderr);
    assert!(
        said.contains("lib/cfg.jar!/application.properties:2"),
        "{said}"
    );
    assert!(!said.contains(SECRET));

    // Committed past the hook, history finds it in the jar, and --no-archives does not.
    repo.git(&["commit", "-q", "--no-verify", "-m", "a jar"]);
    let (run, json) = repo.keyhound_json(&["git", "history"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        finding_keys(&json),
        vec!["lib/cfg.jar!/application.properties:2:credential"]
    );
    let (run, _) = repo.keyhound_json(&["git", "history", "--no-archives"]);
    assert_eq!(run.code, 0, "{}", run.stderr);

    // A damaged archive in history is named, and the scan is incomplete.
    let whole = zip(&[("a.txt", b"hello\n")]);
    repo.write("lib/broken.jar", &whole[..whole.len() - 10]);
    repo.git(&["add", "-A"]);
    // The hook refuses it too: what it cannot read, it does not pass.
    repo.git(&["commit", "-q", "--no-verify", "-m", "a damaged jar"]);
    let (run, _) = repo.keyhound_json(&["git", "history"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.contains("lib/broken.jar") && run.stderr.contains("damaged"),
        "{}",
        run.stderr
    );
}

/// A `docker save` tarball (OCI layout inside, as Docker 25 writes it): the image config's
/// `Env`, and a file of a layer that a later layer deletes with a whiteout, are found; the
/// file ships in the image whatever the later layer says.
#[test]
fn a_docker_save_tarball_yields_its_env_keys_and_files_later_layers_delete() {
    fn tar_of(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        for (name, content) in files {
            let mut header = tar::Header::new_ustar();
            header.set_size(content.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            builder.append_data(&mut header, name, *content).unwrap();
        }
        builder.into_inner().unwrap()
    }
    let base = tar_of(&[
        ("etc/os-release", b"ID=debian\n"),
        ("srv/app.env", credentials_file().as_bytes()),
    ]);
    let cleanup = tar_of(&[("srv/.wh.app.env", b"")]);
    let config = format!(
        "{{\"architecture\":\"amd64\",\"config\":{{\"Env\":[\"PATH=/usr/bin\",\
         \"AWS_ACCESS_KEY_ID={KEY_ID_2}\",\"AWS_SECRET_ACCESS_KEY={SECRET_2}\"]}},\
         \"history\":[{{\"created_by\":\"COPY app.env /srv/\"}},\
         {{\"created_by\":\"RUN rm /srv/app.env\"}}],\
         \"rootfs\":{{\"type\":\"layers\",\"diff_ids\":[]}}}}\n"
    );
    let manifest = "[{\"Config\":\"blobs/sha256/c0\",\"RepoTags\":[\"app:1\"],\
                    \"Layers\":[\"blobs/sha256/l1\",\"blobs/sha256/l2\"]}]\n";
    let image = tar_of(&[
        ("blobs/sha256/l1", &base),
        ("blobs/sha256/l2", &cleanup),
        ("blobs/sha256/c0", config.as_bytes()),
        ("manifest.json", manifest.as_bytes()),
        ("oci-layout", b"{\"imageLayoutVersion\":\"1.0.0\"}"),
    ]);
    let dir = temp_dir();
    write(dir.path(), "app-image.tar", image);
    let (run, json) = scan_json(dir.path(), &["."]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        finding_keys(&json),
        vec![
            "app-image.tar!/blobs/sha256/c0:1:credential",
            "app-image.tar!/blobs/sha256/l1!/srv/app.env:2:credential",
        ]
    );
    assert!(!run.stdout.contains(SECRET) && !run.stdout.contains(SECRET_2));
    let by_path = |path: &str| {
        json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"].as_str().unwrap().ends_with(path))
            .unwrap()
            .clone()
    };
    // The deleted file names the layer that deletes it; the config's key is no file.
    assert_eq!(by_path("l1!/srv/app.env")["deleted_by"], "blobs/sha256/l2");
    assert!(by_path("c0").get("deleted_by").is_none());
    let run = scan(dir.path(), &["."]);
    assert!(
        run.stdout
            .contains("deleted by the later layer blobs/sha256/l2: still in the image"),
        "{}",
        run.stdout
    );
}

/// An OCI image archive (as `skopeo copy … oci-archive:` writes it: no `manifest.json`),
/// its layers gzip'd: the image manifest's `layers` give the order, and a file a later
/// layer deletes names that layer too.
#[test]
fn an_oci_archive_names_the_layer_that_deletes_a_file() {
    let base = tar_gz(&[("opt/tool/credentials", credentials_file().as_bytes())]);
    // The whole directory deleted above it.
    let cleanup = tar_gz(&[("opt/.wh.tool", b"")]);
    let manifest = "{\"schemaVersion\":2,\
                    \"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\
                    \"config\":{\"digest\":\"sha256:cf\",\"size\":2},\
                    \"layers\":[{\"digest\":\"sha256:a1\"},{\"digest\":\"sha256:b2\"}]}";
    let index = "{\"schemaVersion\":2,\"manifests\":[{\"digest\":\"sha256:mf\"}]}";
    let mut builder = tar::Builder::new(Vec::new());
    for (name, content) in [
        ("oci-layout", &b"{\"imageLayoutVersion\":\"1.0.0\"}"[..]),
        ("index.json", index.as_bytes()),
        ("blobs/sha256/mf", manifest.as_bytes()),
        ("blobs/sha256/cf", b"{}"),
        ("blobs/sha256/a1", &base),
        ("blobs/sha256/b2", &cleanup),
    ] {
        let mut header = tar::Header::new_ustar();
        header.set_size(content.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder.append_data(&mut header, name, content).unwrap();
    }
    let dir = temp_dir();
    write(dir.path(), "image.oci.tar", builder.into_inner().unwrap());
    let (run, json) = scan_json(dir.path(), &["."]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        finding_keys(&json),
        vec!["image.oci.tar!/blobs/sha256/a1!/opt/tool/credentials:2:credential"]
    );
    assert_eq!(json["findings"][0]["deleted_by"], "blobs/sha256/b2");
}

#[test]
fn an_archive_piped_to_standard_input_is_opened() {
    let dir = temp_dir();
    let props = properties();
    let release = write(
        dir.path(),
        "release.tar.gz",
        tar_gz(&[("conf/app.properties", props.as_bytes())]),
    );
    let run = run_in(
        dir.path(),
        keyhound()
            .args(["scan", "--format", "json", "-"])
            .stdin(std::fs::File::open(&release).unwrap()),
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        finding_keys(&json),
        vec!["<stdin>!/conf/app.properties:2:credential"]
    );
    // --no-archives: the compressed bytes as they are.
    let run = run_in(
        dir.path(),
        keyhound()
            .args(["scan", "--no-archives", "-"])
            .stdin(std::fs::File::open(&release).unwrap()),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
}

/// An OCI image layout directory (as `skopeo copy … oci:DIR` writes it) is read as one
/// image: each layer opened at its own file, and a file a later layer deletes names it.
#[test]
fn an_oci_layout_directory_is_one_image() {
    let dir = temp_dir();
    let layout = dir.path().join("app-oci");
    write(&layout, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}");
    write(
        &layout,
        "index.json",
        "{\"schemaVersion\":2,\"manifests\":[{\"digest\":\"sha256:mf\"}]}",
    );
    write(
        &layout,
        "blobs/sha256/mf",
        "{\"schemaVersion\":2,\"config\":{\"digest\":\"sha256:cf\"},\
         \"layers\":[{\"digest\":\"sha256:a1\"},{\"digest\":\"sha256:b2\"}]}",
    );
    write(&layout, "blobs/sha256/cf", "{}");
    write(
        &layout,
        "blobs/sha256/a1",
        tar_gz(&[("srv/app.env", credentials_file().as_bytes())]),
    );
    write(
        &layout,
        "blobs/sha256/b2",
        tar_gz(&[("srv/.wh.app.env", b"")]),
    );
    let (run, json) = scan_json(dir.path(), &["."]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        finding_keys(&json),
        vec!["app-oci/blobs/sha256/a1!/srv/app.env:2:credential"]
    );
    assert_eq!(json["findings"][0]["deleted_by"], "blobs/sha256/b2");
    assert_eq!(json["findings"][0]["archive"], "app-oci/blobs/sha256/a1");
}
