//! Turns AWS SDK errors into the snapshot's `CollectionError`, keeping the AWS error code and naming the
//! IAM action that failed. The class decides the finding: access denied and throttling make checks
//! `unknown`; a region that is not enabled or a service the account does not use make them `skipped`.

use std::any::Any;
use std::error::Error as StdError;

use aws_smithy_runtime_api::client::interceptors::context::InterceptorContext;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::client::retries::classifiers::{ClassifyRetry, RetryAction, RetryClassifierPriority};
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::snapshot::{CollectionError, ErrorKind};

const ACCESS_DENIED: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "UnauthorizedAccess",
    "AuthorizationError",
    "AuthorizationErrorException",
    "AllAccessDisabled",
    "InsufficientPermissionsException",
];
const THROTTLED: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "RequestThrottledException",
    "SlowDown",
    "PriorRequestNotComplete",
    "ProvisionedThroughputExceededException",
];
const NOT_SUBSCRIBED: &[&str] = &[
    "AWSOrganizationsNotInUseException",
    "SubscriptionRequiredException",
    "OptInRequired",
    "NoAvailableOrganizationException",
    "OrganizationAccessDeniedException",
];
const UNSUPPORTED: &[&str] = &["NotImplemented", "InvalidAction", "UnknownOperationException", "UnsupportedOperation"];

/// Classifies an SDK error from a call that needed `permission` (an IAM action like `config:DescribeConfigRules`).
pub fn classify<E, R>(err: &SdkError<E, R>, permission: &str) -> CollectionError
where
    E: ProvideErrorMetadata + StdError + 'static,
    R: std::fmt::Debug + 'static,
{
    let permission = Some(permission.to_string());
    match err {
        SdkError::TimeoutError(_) => CollectionError {
            kind: ErrorKind::Timeout,
            code: "Timeout".into(),
            message: "the call timed out (see --timeout)".into(),
            permission,
        },
        SdkError::DispatchFailure(_) => CollectionError {
            kind: ErrorKind::Other,
            code: "ConnectionError".into(),
            message: error_chain(err),
            permission,
        },
        SdkError::ServiceError(se) => {
            let e = se.err();
            let status = status_of(se.raw());
            match e.code() {
                Some(code) => {
                    let message = e.message().unwrap_or("").to_string();
                    CollectionError {
                        kind: kind_of(code, &message, status),
                        code: code.to_string(),
                        message,
                        permission,
                    }
                }
                // A 429 needs no code to mean throttling (a proxy or load balancer in front of the service).
                None if status == Some(429) => bare_429(err, permission),
                // No error code: a successful status with a body the SDK could not read (an emulator's
                // variant of the response), or an error without the AWS error shape.
                None => CollectionError {
                    kind: if status.is_some_and(|s| (200..300).contains(&s) || matches!(s, 404 | 405 | 500 | 501)) {
                        ErrorKind::Unsupported
                    } else {
                        ErrorKind::Other
                    },
                    code: format!("Unparsed{}", status.map(|s| s.to_string()).unwrap_or_default()),
                    message: format!("the endpoint's response could not be read: {}", error_chain(err)),
                    permission,
                },
            }
        }
        SdkError::ResponseError(re) => {
            // AWS's own errors always parse; an unreadable 404/500/501 comes from an endpoint (an emulator)
            // that does not implement the operation.
            match status_of(re.raw()) {
                Some(429) => bare_429(err, permission),
                Some(status @ (404 | 405 | 500 | 501)) => CollectionError {
                    kind: ErrorKind::Unsupported,
                    code: format!("NotImplemented{status}"),
                    message: format!("the endpoint answered HTTP {status} with a body that is not an AWS error: it does not seem to implement this operation"),
                    permission,
                },
                status => CollectionError {
                    kind: ErrorKind::Other,
                    code: format!("InvalidResponse{}", status.map(|s| s.to_string()).unwrap_or_default()),
                    message: error_chain(err),
                    permission,
                },
            }
        }
        _ => CollectionError {
            kind: ErrorKind::Other,
            code: "RequestFailed".into(),
            message: error_chain(err),
            permission,
        },
    }
}

/// An HTTP 429 whose body names no AWS error: throttled all the same.
fn bare_429(err: &(dyn StdError + 'static), permission: Option<String>) -> CollectionError {
    CollectionError {
        kind: ErrorKind::Throttled,
        code: "TooManyRequests429".into(),
        message: format!("HTTP 429 Too Many Requests without an AWS error code: {}", error_chain(err)),
        permission,
    }
}

fn kind_of(code: &str, message: &str, status: Option<u16>) -> ErrorKind {
    let lower = message.to_ascii_lowercase();
    if ACCESS_DENIED.contains(&code) {
        ErrorKind::AccessDenied
    } else if THROTTLED.contains(&code) || status == Some(429) {
        ErrorKind::Throttled
    } else if NOT_SUBSCRIBED.contains(&code) {
        ErrorKind::NotSubscribed
    } else if UNSUPPORTED.contains(&code)
        || status == Some(501)
        || ["not yet implemented", "not been implemented", "not implemented"].iter().any(|p| lower.contains(p))
    {
        ErrorKind::Unsupported
    } else if status == Some(403) {
        ErrorKind::AccessDenied
    } else {
        ErrorKind::Other
    }
}

/// The HTTP status of a raw response. Every SDK client's raw response is an `HttpResponse`; `classify` stays generic
/// over it so that callers generic over an operation's error need not name the type.
fn status_of(raw: &(dyn Any + 'static)) -> Option<u16> {
    raw.downcast_ref::<HttpResponse>().map(|r| r.status().as_u16())
}

/// The error and all its sources, `: `-joined, the way `anyhow` prints `{:#}`.
pub fn error_chain(err: &(dyn StdError + 'static)) -> String {
    let mut parts = vec![err.to_string()];
    let mut source = err.source();
    while let Some(s) = source {
        let text = s.to_string();
        if parts.last() != Some(&text) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

/// Decides retries from the HTTP status where the SDK's own classifiers cannot read an AWS error:
/// - an HTML 404, 405, 500 or 501 page is an endpoint (an emulator) without the operation, and asking again
///   only adds the back-off to the audit's run time; AWS's own errors are never HTML, so real throttling and
///   5xx answers are still retried;
/// - a 429, with or without an AWS error code in its body, is throttling and is retried with the throttling
///   back-off (the SDK retries a 429 only when its body names a throttling code).
#[derive(Debug, Default)]
pub struct NonAwsAnswerIsFinal;

impl ClassifyRetry for NonAwsAnswerIsFinal {
    fn classify_retry(&self, ctx: &InterceptorContext) -> RetryAction {
        let Some(response) = ctx.response() else { return RetryAction::NoActionIndicated };
        let status = response.status().as_u16();
        let html = response.headers().get("content-type").is_some_and(|c| c.starts_with("text/html"));
        if status == 429 {
            RetryAction::throttling_error()
        } else if html && matches!(status, 404 | 405 | 500 | 501) {
            RetryAction::RetryForbidden
        } else {
            RetryAction::NoActionIndicated
        }
    }

    fn name(&self) -> &'static str {
        "dopaudit-non-aws-answer-is-final"
    }

    fn priority(&self) -> RetryClassifierPriority {
        // After the SDK's own classifiers, so this verdict is the last word.
        RetryClassifierPriority::run_after(RetryClassifierPriority::transient_error_classifier())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_map_to_kinds() {
        assert_eq!(kind_of("AccessDeniedException", "", Some(400)), ErrorKind::AccessDenied);
        assert_eq!(kind_of("ThrottlingException", "Rate exceeded", Some(400)), ErrorKind::Throttled);
        assert_eq!(kind_of("Whatever", "", Some(429)), ErrorKind::Throttled);
        assert_eq!(kind_of("AWSOrganizationsNotInUseException", "", Some(400)), ErrorKind::NotSubscribed);
        assert_eq!(
            kind_of("Unknown", "The list_regions action has not been implemented", Some(500)),
            ErrorKind::Unsupported
        );
        assert_eq!(kind_of("InternalFailure", "boom", Some(501)), ErrorKind::Unsupported);
        assert_eq!(kind_of("Forbidden", "", Some(403)), ErrorKind::AccessDenied);
        assert_eq!(kind_of("InternalError", "boom", Some(500)), ErrorKind::Other);
    }

    fn retry_verdict(status: u16, content_type: Option<&str>) -> RetryAction {
        use aws_smithy_runtime_api::client::interceptors::context::Input;

        let mut response = response(status);
        if let Some(t) = content_type {
            response.headers_mut().insert("content-type", t.to_string());
        }
        let mut ctx = InterceptorContext::new(Input::doesnt_matter());
        ctx.set_response(response);
        NonAwsAnswerIsFinal.classify_retry(&ctx)
    }

    #[test]
    fn answers_are_retried_by_their_status() {
        assert_eq!(retry_verdict(429, None), RetryAction::throttling_error(), "a bare 429 is throttling");
        assert_eq!(retry_verdict(429, Some("application/json")), RetryAction::throttling_error());
        assert_eq!(retry_verdict(500, Some("text/html; charset=utf-8")), RetryAction::RetryForbidden);
        assert_eq!(retry_verdict(404, Some("text/html")), RetryAction::RetryForbidden);
        // AWS's own 5xx and throttling answers are left to the SDK's classifiers.
        assert_eq!(retry_verdict(503, Some("text/xml")), RetryAction::NoActionIndicated);
        assert_eq!(retry_verdict(500, Some("application/x-amz-json-1.1")), RetryAction::NoActionIndicated);
        assert_eq!(retry_verdict(200, None), RetryAction::NoActionIndicated);
    }

    fn response(status: u16) -> HttpResponse {
        use aws_smithy_runtime_api::http::StatusCode;
        use aws_smithy_types::body::SdkBody;
        HttpResponse::new(StatusCode::try_from(status).expect("status"), SdkBody::empty())
    }

    #[test]
    fn status_is_read_from_the_raw_response() {
        use aws_smithy_types::error::ErrorMetadata;

        // A service error without a code: only the status says it is throttling, or an emulator's missing operation.
        let bare = |status| SdkError::service_error(ErrorMetadata::builder().build(), response(status));
        assert_eq!(classify(&bare(429), "x:Y").code, "TooManyRequests429");
        assert_eq!(classify(&bare(501), "x:Y").kind, ErrorKind::Unsupported);
        assert_eq!(classify(&bare(400), "x:Y").kind, ErrorKind::Other);
        let coded = SdkError::service_error(ErrorMetadata::builder().code("Forbidden").build(), response(403));
        assert_eq!(classify(&coded, "x:Y").kind, ErrorKind::AccessDenied);
        // An unreadable answer: its status names it.
        let unreadable = |status| SdkError::<ErrorMetadata, _>::response_error("not an AWS error", response(status));
        assert_eq!(classify(&unreadable(404), "x:Y").code, "NotImplemented404");
        assert_eq!(classify(&unreadable(418), "x:Y").code, "InvalidResponse418");
        assert_eq!(status_of(&"not a response"), None);
    }
}
