//! Feeds of a bulk run: a CSV with a user column and a path column, or a folder whose file
//! names are users.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// One photo to publish.
#[derive(Debug, Clone)]
pub struct Item {
    /// UPN, object id or mail, as the feed gives it.
    pub user: String,
    pub source: Source,
}

#[derive(Debug, Clone)]
pub enum Source {
    Path(PathBuf),
    Bytes(Vec<u8>),
}

impl Source {
    pub fn describe(&self) -> String {
        match self {
            Source::Path(p) => p.display().to_string(),
            Source::Bytes(b) => format!("{} bytes in memory", b.len()),
        }
    }
}

/// Header names tried when no column is named, in order (what people's CSVs use).
pub const USER_COLUMNS: [&str; 7] = [
    "UserPrincipalName",
    "UPN",
    "Identity",
    "User",
    "Id",
    "ObjectId",
    "Mail",
];
pub const PATH_COLUMNS: [&str; 5] = ["Path", "FullName", "Photo", "PhotoPath", "File"];

/// Photo file extensions a folder feed picks up (the content is sniffed anyway).
const PHOTO_EXTENSIONS: [&str; 7] = ["jpg", "jpeg", "png", "gif", "bmp", "webp", "jfif"];

/// Read a CSV feed. Relative paths are resolved against the CSV's folder.
pub fn read_csv(
    path: &Path,
    user_column: Option<&str>,
    path_column: Option<&str>,
) -> Result<Vec<Item>> {
    let io = |e: csv::Error| Error::Io {
        path: path.display().to_string(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()),
    };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(io)?;
    let headers = reader.headers().map_err(io)?.clone();
    let find = |asked: Option<&str>, defaults: &[&str], what: &str| -> Result<usize> {
        let names: Vec<&str> = asked.map(|a| vec![a]).unwrap_or_else(|| defaults.to_vec());
        names
            .iter()
            .find_map(|n| {
                headers
                    .iter()
                    .position(|h| h.trim_start_matches('\u{feff}').eq_ignore_ascii_case(n))
            })
            .ok_or_else(|| {
                Error::InvalidOptions(format!(
                    "{}: no {what} column (looked for {}; the header is {})",
                    path.display(),
                    names.join(", "),
                    headers.iter().collect::<Vec<_>>().join(",")
                ))
            })
    };
    let ucol = find(user_column, &USER_COLUMNS, "user")?;
    let pcol = find(path_column, &PATH_COLUMNS, "photo path")?;
    let base = path.parent().unwrap_or(Path::new("."));
    let mut items = Vec::new();
    for row in reader.records() {
        let row = row.map_err(io)?;
        let user = row.get(ucol).unwrap_or_default().to_string();
        let photo = row.get(pcol).unwrap_or_default();
        if user.is_empty() && photo.is_empty() {
            continue;
        }
        items.push(Item {
            user,
            source: Source::Path(base.join(photo)),
        });
    }
    Ok(items)
}

/// Read a folder feed: `alice@contoso.com.jpg` is Alice's photo. Sorted by file name.
pub fn read_folder(dir: &Path) -> Result<Vec<Item>> {
    let entries = std::fs::read_dir(dir).map_err(|source| Error::Io {
        path: dir.display().to_string(),
        source,
    })?;
    let mut items: Vec<Item> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| PHOTO_EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
        })
        .filter_map(|p| {
            let user = p.file_stem()?.to_str()?.to_string();
            Some(Item {
                user,
                source: Source::Path(p),
            })
        })
        .collect();
    items.sort_by(|a, b| a.user.cmp(&b.user));
    Ok(items)
}
