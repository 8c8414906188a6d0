//! Container images saved as tarballs (`docker save`): which later layer deletes a file.
//! A file a layer deletes with a whiteout still ships in the image, in the layer that
//! added it; a report says where it is and which layer hides it.

/// The layers of a `docker save` tarball, bottom first, as its `manifest.json` lists them
/// (paths of entries in the tarball); `None` when `manifest` is not such a manifest.
pub fn layer_order(manifest: &[u8]) -> Option<Vec<String>> {
    let images: Vec<serde_json::Value> = serde_json::from_slice(manifest).ok()?;
    // One image per manifest entry; a tarball of several images lists each one's layers.
    let mut layers = Vec::new();
    for image in &images {
        for layer in image.get("Layers")?.as_array()? {
            let layer = layer.as_str()?.to_string();
            if !layers.contains(&layer) {
                layers.push(layer);
            }
        }
    }
    Some(layers)
}

/// The layers of an OCI image archive, bottom first, from its image manifests (the blobs
/// whose JSON lists `layers` by digest): `blobs/ALGORITHM/HEX` paths, each manifest's in
/// its order. `None` when none of `blobs` is such a manifest.
pub fn oci_layer_order(blobs: &[Vec<u8>]) -> Option<Vec<String>> {
    let mut layers = Vec::new();
    let mut any = false;
    for blob in blobs {
        let Ok(manifest) = serde_json::from_slice::<serde_json::Value>(blob) else {
            continue;
        };
        let Some(listed) = manifest.get("layers").and_then(|l| l.as_array()) else {
            continue;
        };
        any = true;
        for layer in listed {
            let Some((algorithm, hex)) = layer
                .get("digest")
                .and_then(|d| d.as_str())
                .and_then(|d| d.split_once(':'))
            else {
                continue;
            };
            let path = format!("blobs/{algorithm}/{hex}");
            if !layers.contains(&path) {
                layers.push(path);
            }
        }
    }
    any.then_some(layers)
}

/// Whether `head` (an entry's first bytes) may be an OCI image manifest: JSON naming
/// `layers`.
pub fn may_be_oci_manifest(head: &[u8]) -> bool {
    let start = head.iter().position(|b| !b.is_ascii_whitespace());
    start.is_some_and(|i| head[i] == b'{') && memchr_find(head, b"\"layers\"")
}

fn memchr_find(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The layer (one of `layers`, bottom first) that deletes the file at `entry`
/// (`LAYER!/PATH`, as the walk names it) with a whiteout among `whiteouts` (the walk's
/// paths of `.wh.` entries, `LAYER!/DIR/.wh.NAME`): the first layer above the file's that
/// deletes it, its directory or one above (`.wh.NAME`), or empties one of them
/// (`.wh..wh..opq`).
pub fn deleted_by<'l>(layers: &'l [String], whiteouts: &[String], entry: &str) -> Option<&'l str> {
    let (layer, path) = entry.split_once("!/")?;
    let index = layers.iter().position(|l| l == layer)?;
    let above = &layers[index + 1..];
    above
        .iter()
        .find(|upper| {
            whiteouts.iter().any(|whiteout| {
                let Some(deleted) = whiteout
                    .strip_prefix(upper.as_str())
                    .and_then(|rest| rest.strip_prefix("!/"))
                else {
                    return false;
                };
                hides(deleted, path)
            })
        })
        .map(String::as_str)
}

/// Whether the whiteout at `whiteout` (a path in its layer) hides `path` of a lower layer.
fn hides(whiteout: &str, path: &str) -> bool {
    let (dir, name) = match whiteout.rsplit_once('/') {
        Some((dir, name)) => (dir, name),
        None => ("", whiteout),
    };
    let inside = |base: &str| {
        if dir.is_empty() {
            base.is_empty() || path.starts_with(&format!("{base}/")) || path == base
        } else {
            let full = if base.is_empty() {
                dir.to_string()
            } else {
                format!("{dir}/{base}")
            };
            path == full || path.starts_with(&format!("{full}/"))
        }
    };
    match name {
        // Opaque: everything the lower layers hold in this directory.
        ".wh..wh..opq" => dir.is_empty() || path.starts_with(&format!("{dir}/")),
        _ => name.strip_prefix(".wh.").is_some_and(inside),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layers() -> Vec<String> {
        ["blobs/sha256/a", "blobs/sha256/b", "blobs/sha256/c"]
            .map(String::from)
            .to_vec()
    }

    #[test]
    fn a_later_whiteout_of_the_file_or_a_directory_above_it_deletes_it() {
        let layers = layers();
        let whiteouts = vec![
            "blobs/sha256/b!/srv/.wh.app.env".to_string(),
            "blobs/sha256/c!/.wh.opt".to_string(),
            "blobs/sha256/c!/var/cache/.wh..wh..opq".to_string(),
        ];
        let by = |entry: &str| deleted_by(&layers, &whiteouts, entry);
        assert_eq!(by("blobs/sha256/a!/srv/app.env"), Some("blobs/sha256/b"));
        assert_eq!(by("blobs/sha256/a!/opt/tool/creds"), Some("blobs/sha256/c"));
        assert_eq!(by("blobs/sha256/b!/var/cache/x/y"), Some("blobs/sha256/c"));
        assert_eq!(by("blobs/sha256/a!/srv/app.env.bak"), None, "another file");
        assert_eq!(by("blobs/sha256/a!/optional/x"), None, "a longer name");
        assert_eq!(
            by("blobs/sha256/c!/srv/app.env"),
            None,
            "added above the whiteout"
        );
        assert_eq!(by("manifest.json"), None);
    }

    #[test]
    fn an_oci_manifest_lists_layers_by_digest() {
        let manifest = br#"{"schemaVersion":2,"config":{"digest":"sha256:cc"},
            "layers":[{"digest":"sha256:l1"},{"digest":"sha256:l2"}]}"#;
        assert!(may_be_oci_manifest(manifest));
        assert!(!may_be_oci_manifest(b"layers"));
        assert_eq!(
            oci_layer_order(&[b"{\"config\":{}}".to_vec(), manifest.to_vec()]),
            Some(vec!["blobs/sha256/l1".into(), "blobs/sha256/l2".into()])
        );
        assert_eq!(oci_layer_order(&[b"not json".to_vec()]), None);
    }

    #[test]
    fn the_manifest_lists_layers_bottom_first() {
        let manifest = br#"[{"Config":"c","RepoTags":["a:1"],"Layers":["l1","l2"]},
                             {"Config":"d","Layers":["l1","l3"]}]"#;
        assert_eq!(
            layer_order(manifest),
            Some(vec!["l1".into(), "l2".into(), "l3".into()])
        );
        assert_eq!(layer_order(b"{\"not\":\"a manifest\"}"), None);
    }
}
