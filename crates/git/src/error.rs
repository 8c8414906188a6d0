//! Why an operation failed, said once: gix's errors chain their causes, and some repeat
//! a cause's text in their own, or end in a classification marker (`NotFound`).

use std::error::Error;

/// The cause of an [`OpenError`](crate::OpenError), [`RangeError`](crate::RangeError) or
/// [`IndexError`](crate::IndexError): the error gix returned (or an
/// [`ObjectProblem`](crate::ObjectProblem)). Its message is the whole chain of causes,
/// each said once, so it has no [`source`](Error::source): printed with `{}` or with
/// anyhow's `{:#}`, nothing is said twice. [`Cause::get_ref`] gives the error itself.
pub struct Cause(Box<dyn Error + Send + Sync + 'static>);

impl Cause {
    /// Wraps an error.
    pub fn new(error: impl Into<Box<dyn Error + Send + Sync + 'static>>) -> Cause {
        Cause(error.into())
    }

    /// The error itself, whose `source()` chain is intact (to find an `std::io::Error`,
    /// say).
    pub fn get_ref(&self) -> &(dyn Error + Send + Sync + 'static) {
        &*self.0
    }

    /// The error itself.
    pub fn into_inner(self) -> Box<dyn Error + Send + Sync + 'static> {
        self.0
    }
}

impl std::fmt::Display for Cause {
    /// Each error of the chain that says something new, joined with `: `: an error whose
    /// text an earlier one already holds, and gix's classification markers, are left out.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut said = String::new();
        let mut next: Option<&(dyn Error + 'static)> = Some(&*self.0);
        while let Some(error) = next {
            next = error.source();
            if error.is::<gix::error::ClassificationMarker>() {
                continue;
            }
            let text = error.to_string();
            if text.is_empty() || said.contains(&text) {
                continue;
            }
            if !said.is_empty() {
                said.push_str(": ");
            }
            said.push_str(&text);
        }
        f.write_str(&said)
    }
}

impl std::fmt::Debug for Cause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Cause").field(&self.to_string()).finish()
    }
}

impl Error for Cause {}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Chained(&'static str, Option<Box<dyn Error + Send + Sync>>);

    impl std::fmt::Display for Chained {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }

    impl Error for Chained {
        fn source(&self) -> Option<&(dyn Error + 'static)> {
            self.1.as_deref().map(|e| e as &(dyn Error + 'static))
        }
    }

    #[test]
    fn each_cause_is_said_once() {
        let io = std::io::Error::from(std::io::ErrorKind::NotFound);
        let io_text = io.to_string();
        let inner = Chained("cannot access \"/x\"", Some(Box::new(io)));
        let outer = Chained("cannot access \"/x\"", Some(Box::new(inner)));
        let cause = Cause::new(outer);
        assert_eq!(
            cause.to_string(),
            format!("cannot access \"/x\": {io_text}")
        );
        assert!(cause.source().is_none());
        assert!(cause.get_ref().source().is_some());
    }
}
