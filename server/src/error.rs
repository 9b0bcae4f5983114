//! Errors answered to clients, in AWS's shapes: `{"__type": …, "message": …}` for the JSON 1.1
//! protocol (Secrets Manager) and `<ErrorResponse>` for the query protocol (STS).

use std::fmt;

/// An error answered to the client: AWS's error code, HTTP status and message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    /// AWS's error code, such as `ResourceNotFoundException`.
    pub code: &'static str,
    /// The HTTP status.
    pub status: u16,
    /// The message.
    pub message: String,
}

impl ApiError {
    /// An error with code, status and message.
    pub fn new(code: &'static str, status: u16, message: impl Into<String>) -> Self {
        Self {
            code,
            status,
            message: message.into(),
        }
    }

    /// `ResourceNotFoundException`.
    pub fn not_found() -> Self {
        Self::new(
            "ResourceNotFoundException",
            400,
            "Secrets Manager can't find the specified secret.",
        )
    }

    /// `ResourceNotFoundException` for a version.
    pub fn version_not_found() -> Self {
        Self::new(
            "ResourceNotFoundException",
            400,
            "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT",
        )
    }

    /// `InvalidParameterException`.
    pub fn invalid_parameter(message: impl Into<String>) -> Self {
        Self::new("InvalidParameterException", 400, message)
    }

    /// `InvalidRequestException`.
    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self::new("InvalidRequestException", 400, message)
    }

    /// `ValidationException` (a request that does not satisfy the API's constraints).
    pub fn validation(message: impl Into<String>) -> Self {
        Self::new("ValidationException", 400, message)
    }

    /// `SerializationException` (a body that is not the expected JSON).
    pub fn serialization(message: impl Into<String>) -> Self {
        Self::new("SerializationException", 400, message)
    }

    /// `AccessDeniedException` with AWS's message.
    pub fn access_denied(message: impl Into<String>) -> Self {
        Self::new("AccessDeniedException", 400, message)
    }

    /// `InternalServiceError` (storage failures and the like; details go to the log only).
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new("InternalServiceError", 500, message)
    }

    /// The error as a JSON 1.1 body.
    pub fn json_body(&self) -> String {
        serde_json::json!({"__type": self.code, "message": self.message}).to_string()
    }

    /// The error as a query-protocol (STS) XML body.
    pub fn xml_body(&self, request_id: &str) -> String {
        let kind = if self.status >= 500 {
            "Receiver"
        } else {
            "Sender"
        };
        format!(
            "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
             <Error><Type>{kind}</Type><Code>{}</Code><Message>{}</Message></Error>\
             <RequestId>{}</RequestId></ErrorResponse>",
            xml_escape(self.code),
            xml_escape(&self.message),
            xml_escape(request_id)
        )
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for ApiError {}

/// Escapes text for XML element content.
pub fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}
