//! The profile fields that sign-up and profile edit ask for: kept as typed, checked together.

use super::fields::{valid_name, COUNTRIES};
use super::page::{field, Errors, FlowForm};
use super::transaction::Transaction;

pub(super) fn keep_fields(tx: &mut Transaction, form: &FlowForm) {
    if form.given_name.is_some() {
        tx.given_name = Some(field(&form.given_name).to_string());
    }
    if form.surname.is_some() {
        tx.surname = Some(field(&form.surname).to_string());
    }
    if form.country.is_some() {
        tx.country = Some(field(&form.country).to_string());
    }
}

pub(super) fn errors(tx: &Transaction) -> Errors {
    let mut errors = Errors::new();
    if !valid_name(tx.given_name.as_deref().unwrap_or_default()) {
        errors.insert(
            "given_name",
            "Please enter your given name (up to 64 characters).".into(),
        );
    }
    if !valid_name(tx.surname.as_deref().unwrap_or_default()) {
        errors.insert(
            "surname",
            "Please enter your surname (up to 64 characters).".into(),
        );
    }
    let country = tx.country.as_deref().unwrap_or_default();
    if !COUNTRIES.contains(&country) {
        errors.insert("country", "Please choose your country or region.".into());
    }
    errors
}
