//! omnicrm-testkit
