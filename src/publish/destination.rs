//! The destinations a photo is published to. Each takes the rendered bytes of its own
//! target; rendering happens once, above them ([`super::Publisher`]).

use bytes::Bytes;
use serde::Serialize;

use crate::directory::{DirectoryClient, DirectoryOutcome, DirectoryStatus};
use crate::error::{Error, Result};
use crate::graph::{GraphClient, UploadOutcome};
use crate::targets::{TargetRequest, TargetSpecRequest, AD_THUMBNAIL, GRAPH};

/// The destination name of Microsoft Graph in journals, results and reports.
pub const GRAPH_DESTINATION: &str = "graph";
/// The destination name of on-premises AD `thumbnailPhoto` in journals, results and reports.
pub const DIRECTORY_DESTINATION: &str = "ad";

/// Where a photo goes.
#[derive(Clone)]
pub enum Destination {
    /// A user's profile photo in Microsoft Graph (Entra ID, Exchange Online, Teams): the
    /// `graph` rendition.
    Graph(GraphClient),
    /// A user's `thumbnailPhoto` in on-premises AD: the `ad-thumbnail` rendition within
    /// `max_bytes`.
    Directory {
        client: DirectoryClient,
        max_bytes: u64,
    },
}

impl From<GraphClient> for Destination {
    fn from(client: GraphClient) -> Self {
        Destination::Graph(client)
    }
}

impl From<DirectoryClient> for Destination {
    /// With the client's own thumbnail budget.
    fn from(client: DirectoryClient) -> Self {
        let max_bytes = client.target().max_bytes;
        Destination::Directory { client, max_bytes }
    }
}

/// What a destination did with a photo.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Written {
    Graph(UploadOutcome),
    Directory(DirectoryOutcome),
}

impl Written {
    /// The destination already held exactly these bytes, and nothing was written.
    pub fn unchanged(&self) -> bool {
        matches!(self, Written::Directory(o) if o.status == DirectoryStatus::Unchanged)
    }

    /// Requests it took (retries included).
    pub fn attempts(&self) -> u32 {
        match self {
            Written::Graph(o) => o.attempts,
            Written::Directory(_) => 1,
        }
    }
}

impl Destination {
    /// The name in journals, results and reports.
    pub fn name(&self) -> &'static str {
        match self {
            Destination::Graph(_) => GRAPH_DESTINATION,
            Destination::Directory { .. } => DIRECTORY_DESTINATION,
        }
    }

    /// The rendition this destination takes.
    pub fn target(&self) -> TargetRequest {
        match self {
            Destination::Graph(_) => TargetRequest::Name(GRAPH.name.into()),
            Destination::Directory { max_bytes, .. } => TargetRequest::Spec(TargetSpecRequest {
                target: Some(AD_THUMBNAIL.name.into()),
                size: None,
                max_bytes: Some(*max_bytes),
                quality: None,
            }),
        }
    }

    /// Writes in flight at most.
    pub fn max_concurrency(&self) -> usize {
        match self {
            Destination::Graph(c) => c.max_concurrency(),
            Destination::Directory { client, .. } => client.max_concurrency(),
        }
    }

    /// Bytes written as they are (no rendering) must still be what the store takes; checked
    /// before any network call. Graph judges its own uploads.
    pub(crate) fn check_raw(&self, bytes: &[u8]) -> Result<()> {
        match self {
            Destination::Graph(_) => Ok(()),
            Destination::Directory { .. } => {
                let limit = AD_THUMBNAIL.max_bytes_ceiling;
                if bytes.len() as u64 > limit {
                    return Err(Error::ThumbnailTooLarge {
                        bytes: bytes.len() as u64,
                        limit,
                    });
                }
                if !bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
                    return Err(Error::UnsupportedFormat {
                        looks_like: "not a JPEG (a thumbnailPhoto written as is must be a JPEG)"
                            .into(),
                    });
                }
                Ok(())
            }
        }
    }

    pub(crate) async fn write(&self, user: &str, data: Vec<u8>) -> Result<Written> {
        match self {
            Destination::Graph(c) => c
                .put_photo(user, Bytes::from(data))
                .await
                .map(Written::Graph),
            Destination::Directory { client, .. } => client
                .put_thumbnail(user, &data)
                .await
                .map(Written::Directory),
        }
    }

    /// Whether the destination already holds the rendition with this hash, for a write a
    /// previous run was killed in. AD's write compares the stored value itself, so it is
    /// simply written again (and comes back unchanged).
    pub(crate) async fn holds(&self, user: &str, rendition_hash: &str) -> bool {
        match self {
            Destination::Graph(c) => c
                .get_photo(user)
                .await
                .is_ok_and(|(current, _)| super::sha256_hex(&current) == rendition_hash),
            Destination::Directory { .. } => false,
        }
    }
}
