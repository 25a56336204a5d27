//! `#[garde_schema]`: one source for a request rule. Put it above the `#[derive(..)]` of an
//! input type that derives `garde::Validate` and `utoipa::ToSchema` or `utoipa::IntoParams`;
//! it reads each field's `#[garde(..)]` rules and adds the matching `#[schema(..)]` (or
//! `#[param(..)]`) constraints, so the OpenAPI document says what the validator checks:
//!
//! | garde | JSON Schema |
//! |---|---|
//! | `length(chars, min = a, max = b)` on text | `minLength`, `maxLength` (both count code points) |
//! | `length(min = a, max = b)` on a list | `minItems`, `maxItems` |
//! | `range(min = a, max = b)` | `minimum`, `maximum` |
//! | `pattern("re")` | `pattern` |
//! | `custom(not_blank)` and its `_opt`/`_patch` forms | `pattern: \S` |
//! | `custom(not_null)` on a PATCH field | the field's type without `null` |
//! | `email` | `format: email` |
//! | `inner(..)` on a `Vec<String>` (length, pattern, `not_blank`) | the same on `items` (a generated `schema_with` function) |
//! | `custom(is_true)` | `enum: [true]` |
//! | `custom(is_exactly(TEXT))` | `enum: [TEXT]` |
//! | a `range` on a `u32` | also `format: int64` (utoipa says `int32`) and `maximum` 2^32 - 1 if none |
//!
//! An optional query parameter gets no `minLength`: `?search=` reads as absent; for the same
//! reason an optional uuid or date-time parameter is `anyOf` its format and the empty string.
//!
//! A bound that is not a literal (a constant's path, a `LazyLock` regex) cannot be written
//! into utoipa's attributes, which take literals only: the field must then carry the literal
//! itself (`#[schema(maximum = 100)]` beside `range(max = MAX_USES)`), and the macro emits a
//! unit test that fails when the two disagree. Inside a generated `schema_with` function
//! (items, `enum`) a rule's value is used as is, constant or not. Other custom rules are not
//! translated (ADR 0017).
//! `length` on text without `chars` counts bytes in garde, which JSON Schema cannot say: it
//! is a compile error here, so a rule is never documented with another meaning.

use proc_macro::TokenStream;
use proc_macro2::TokenStream as TokenStream2;
use quote::quote;
use syn::punctuated::Punctuated;
use syn::{Attribute, Data, DeriveInput, Expr, Fields, Lit, Meta, Token, Type, parse_macro_input};

/// Adds the JSON Schema twin of every field's garde rules (see the crate docs).
#[proc_macro_attribute]
pub fn garde_schema(args: TokenStream, input: TokenStream) -> TokenStream {
    if !args.is_empty() {
        return syn::Error::new(
            proc_macro2::Span::call_site(),
            "garde_schema takes no arguments",
        )
        .to_compile_error()
        .into();
    }
    let mut item = parse_macro_input!(input as DeriveInput);
    match expand(&mut item) {
        Ok(twin_tests) => quote!(#item #(#twin_tests)*).into(),
        Err(err) => err.to_compile_error().into(),
    }
}

/// A rule whose value utoipa cannot take (a constant, a regex static): the field must carry
/// a hand-written literal twin, which a generated test compares with the rule's value.
struct Twin {
    key: &'static str,
    rule_value: TokenStream2,
    pattern: bool,
}

fn expand(item: &mut DeriveInput) -> syn::Result<Vec<TokenStream2>> {
    let mut twin_tests = Vec::new();
    let mut schema_fns = Vec::new();
    let type_name = item.ident.to_string();
    let params = derives(&item.attrs, "IntoParams");
    let helper = if params { "param" } else { "schema" };
    let Data::Struct(data) = &mut item.data else {
        return Err(syn::Error::new_spanned(
            &item.ident,
            "garde_schema is for structs",
        ));
    };
    let Fields::Named(fields) = &mut data.fields else {
        return Ok(twin_tests);
    };
    for field in &mut fields.named {
        let mut constraints: Vec<TokenStream2> = Vec::new();
        let mut twins: Vec<Twin> = Vec::new();
        let mut not_null = false;
        let mut items: Vec<TokenStream2> = Vec::new();
        let mut whole: Option<TokenStream2> = None;
        let list = is_list(&field.ty) || value_type_is_list(&field.attrs);
        for attr in field.attrs.iter().filter(|a| a.path().is_ident("garde")) {
            let rules = attr.parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated)?;
            for rule in &rules {
                translate(
                    rule,
                    list,
                    &mut constraints,
                    &mut twins,
                    &mut not_null,
                    &mut items,
                    &mut whole,
                )?;
            }
        }
        let field_name = field
            .ident
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default();
        for twin in &twins {
            let Some(literal) = hand_written(&field.attrs, twin.key) else {
                let value = &twin.rule_value;
                return Err(syn::Error::new_spanned(
                    &twin.rule_value,
                    format!(
                        "`{}` is not a literal, which utoipa needs: add `#[{helper}({} = <its \
                         value>)]` to the field; a generated test checks that they agree",
                        quote!(#value),
                        twin.key
                    ),
                ));
            };
            let test = syn::Ident::new(
                &format!("garde_schema_twin_{type_name}_{field_name}_{}", twin.key),
                proc_macro2::Span::call_site(),
            );
            let value = &twin.rule_value;
            let check = if twin.pattern {
                quote!(assert_eq!((#value).as_str(), #literal);)
            } else {
                quote!(assert_eq!((#value) as f64, (#literal) as f64);)
            };
            twin_tests.push(quote! {
                #[cfg(test)]
                #[test]
                #[allow(non_snake_case)]
                fn #test() { #check }
            });
        }
        // utoipa documents a `u32` as `int32` (at most 2^31 - 1) while serde takes up to
        // 2^32 - 1: a ranged `u32` says its real bounds.
        if is_u32(&field.ty)
            && constraints
                .iter()
                .any(|c| c.to_string().starts_with("minimum"))
        {
            constraints.push(quote!(format = Int64));
            if !constraints
                .iter()
                .any(|c| c.to_string().starts_with("maximum"))
                && hand_written(&field.attrs, "maximum").is_none()
            {
                constraints.push(quote!(maximum = 4_294_967_295_u64));
            }
        }
        // serde_html_form reads `?search=` as an absent `Option`, so an empty value passes
        // whatever the rule says: the parameter's schema must accept it too.
        if params && is_option(&field.ty) {
            constraints.retain(|c| !c.to_string().starts_with("min_length"));
        }
        if not_null {
            strip_null_from_value_type(&mut field.attrs)?;
        }
        // serde_html_form reads `?contactId=` as an absent `Option`: an optional parameter
        // with a format (a uuid, a date-time) also accepts the empty value.
        if params
            && constraints.is_empty()
            && let Some(format) = optional_format(field)
        {
            let function = schema_fn_ident(&type_name, &field_name);
            let description = doc_comment(&field.attrs);
            schema_fns.push(quote! {
                #[allow(non_snake_case)]
                #[doc(hidden)]
                fn #function() -> ::utoipa::openapi::schema::Schema {
                    use ::utoipa::openapi::schema::{AnyOfBuilder, KnownFormat, ObjectBuilder, SchemaFormat, Type};
                    AnyOfBuilder::new()
                        .item(ObjectBuilder::new().schema_type(Type::String).format(Some(SchemaFormat::KnownFormat(KnownFormat::#format))))
                        .item(ObjectBuilder::new().schema_type(Type::String).max_length(Some(0)))
                        #description
                        .build()
                        .into()
                }
            });
            field.attrs.retain(|a| !a.path().is_ident("param"));
            field
                .attrs
                .push(syn::parse_quote!(#[param(schema_with = #function)]));
            continue;
        }
        if let Some(schema) = whole {
            let function = schema_fn_ident(&type_name, &field_name);
            let description = doc_comment(&field.attrs);
            schema_fns.push(quote! {
                #[allow(non_snake_case)]
                #[doc(hidden)]
                fn #function() -> ::utoipa::openapi::schema::Object {
                    #schema #description .build()
                }
            });
            let helper = syn::Ident::new(helper, proc_macro2::Span::call_site());
            field
                .attrs
                .push(syn::parse_quote!(#[#helper(schema_with = #function)]));
            continue;
        }
        if !items.is_empty() {
            let function = schema_fn_ident(&type_name, &field_name);
            schema_fns.push(list_schema(
                &function,
                &field.ty,
                &field.attrs,
                params,
                &constraints,
                &items,
            )?);
            let helper = syn::Ident::new(helper, proc_macro2::Span::call_site());
            field
                .attrs
                .push(syn::parse_quote!(#[#helper(schema_with = #function)]));
            continue;
        }
        if !constraints.is_empty() {
            let helper = syn::Ident::new(helper, proc_macro2::Span::call_site());
            field
                .attrs
                .push(syn::parse_quote!(#[#helper(#(#constraints),*)]));
        }
    }
    twin_tests.extend(schema_fns);
    Ok(twin_tests)
}

/// One rule of `inner(..)` on a list of text, as a call on the item's `ObjectBuilder`.
fn item_rule(rule: &Meta, items: &mut Vec<TokenStream2>) -> syn::Result<()> {
    let name = rule
        .path()
        .get_ident()
        .map(ToString::to_string)
        .unwrap_or_default();
    match (name.as_str(), rule) {
        ("length", Meta::List(args)) => {
            let args = args.parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated)?;
            if !args.iter().any(|a| a.path().is_ident("chars")) {
                return Err(syn::Error::new_spanned(
                    rule,
                    "JSON Schema counts code points: write `length(chars, ..)`",
                ));
            }
            for arg in &args {
                let Meta::NameValue(nv) = arg else { continue };
                let value = &nv.value;
                if nv.path.is_ident("min") {
                    items.push(quote!(.min_length(Some((#value) as usize))));
                } else if nv.path.is_ident("max") {
                    items.push(quote!(.max_length(Some((#value) as usize))));
                }
            }
        }
        ("pattern", Meta::List(args)) => {
            let value = &args.tokens;
            items.push(quote!(.pattern(Some(::std::string::ToString::to_string(&*#value)))));
        }
        ("custom", Meta::List(args)) => {
            let custom = args.tokens.to_string().replace(' ', "");
            if custom.rsplit("::").next().unwrap_or_default() == "not_blank" {
                items.push(quote!(.pattern(Some(r"\S"))));
            } else {
                return Err(syn::Error::new_spanned(
                    rule,
                    "no schema twin for this item rule",
                ));
            }
        }
        _ => {
            return Err(syn::Error::new_spanned(
                rule,
                "no schema twin for this item rule",
            ));
        }
    }
    Ok(())
}

/// The `schema_with` function of a list of text whose items have rules: utoipa's attributes
/// cannot reach an array's `items`, so the whole schema is built here, with the list's own
/// bounds and the field's doc comment.
fn list_schema(
    function: &syn::Ident,
    ty: &Type,
    attrs: &[Attribute],
    params: bool,
    constraints: &[TokenStream2],
    items: &[TokenStream2],
) -> syn::Result<TokenStream2> {
    if !is_text_list(ty) {
        return Err(syn::Error::new_spanned(
            ty,
            "garde_schema translates item rules on `Vec<String>` or `Option<Vec<String>>` only",
        ));
    }
    let mut bounds = Vec::new();
    for constraint in constraints {
        let text = constraint.to_string();
        let (key, value) = text.split_once('=').unwrap_or_default();
        let value: TokenStream2 = value.trim().parse().unwrap_or_default();
        match key.trim() {
            "min_items" => bounds.push(quote!(.min_items(Some((#value) as usize)))),
            "max_items" => bounds.push(quote!(.max_items(Some((#value) as usize)))),
            _ => {}
        }
    }
    let description = doc_comment(attrs);
    let nullable = (!params && is_option(ty)).then(|| {
        quote!(.schema_type(::utoipa::openapi::schema::SchemaType::from_iter([
            ::utoipa::openapi::schema::Type::Array,
            ::utoipa::openapi::schema::Type::Null,
        ])))
    });
    Ok(quote! {
        #[allow(non_snake_case)]
        #[doc(hidden)]
        fn #function() -> ::utoipa::openapi::schema::Array {
            ::utoipa::openapi::schema::ArrayBuilder::new()
                #nullable
                .items(
                    ::utoipa::openapi::schema::ObjectBuilder::new()
                        .schema_type(::utoipa::openapi::schema::Type::String)
                        #(#items)*
                )
                #(#bounds)*
                #description
                .build()
        }
    })
}

/// `.description(..)` from the field's doc comment (a `schema_with` schema has no other).
fn doc_comment(attrs: &[Attribute]) -> Option<TokenStream2> {
    let docs: Vec<String> = attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            Meta::NameValue(nv) => match &nv.value {
                Expr::Lit(syn::ExprLit {
                    lit: Lit::Str(s), ..
                }) => Some(s.value().trim().to_owned()),
                _ => None,
            },
            _ => None,
        })
        .collect();
    let description = docs.join("\n");
    (!description.is_empty()).then(|| quote!(.description(Some(#description))))
}

/// The format of an `Option<Uuid>` parameter, or of one whose only hand-written attribute is
/// `#[param(value_type = Option<String>, format = F)]`.
fn optional_format(field: &syn::Field) -> Option<syn::Ident> {
    if !is_option(&field.ty) {
        return None;
    }
    let mut hand_written = field.attrs.iter().filter(|a| a.path().is_ident("param"));
    match (hand_written.next(), hand_written.next()) {
        (None, _) => {
            let Type::Path(path) = &field.ty else {
                return None;
            };
            let last = path.path.segments.last()?;
            let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
                return None;
            };
            matches!(args.args.first(), Some(syn::GenericArgument::Type(Type::Path(inner))) if inner.path.is_ident("Uuid"))
                .then(|| syn::Ident::new("Uuid", proc_macro2::Span::call_site()))
        }
        (Some(attr), None) => {
            let text = schema_text(attr);
            let format = text.strip_prefix("value_type=Option<String>,format=")?;
            format
                .chars()
                .all(|c| c.is_ascii_alphanumeric())
                .then(|| syn::Ident::new(format, proc_macro2::Span::call_site()))
        }
        _ => None,
    }
}

/// `Vec<String>` or `Option<Vec<String>>`.
fn is_text_list(ty: &Type) -> bool {
    let Type::Path(path) = ty else {
        return false;
    };
    let Some(last) = path.path.segments.last() else {
        return false;
    };
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return false;
    };
    let inner = args.args.iter().find_map(|arg| match arg {
        syn::GenericArgument::Type(inner) => Some(inner),
        _ => None,
    });
    match (last.ident.to_string().as_str(), inner) {
        ("Vec", Some(Type::Path(item))) => item.path.is_ident("String"),
        ("Option", Some(inner)) => is_text_list(inner),
        _ => false,
    }
}

/// The literal of `key = <literal>` in the field's own `#[schema(..)]`/`#[param(..)]`.
fn hand_written(attrs: &[Attribute], key: &str) -> Option<proc_macro2::Literal> {
    use proc_macro2::TokenTree;
    attrs
        .iter()
        .filter(|a| a.path().is_ident("schema") || a.path().is_ident("param"))
        .find_map(|a| {
            let Meta::List(list) = &a.meta else {
                return None;
            };
            let tokens: Vec<TokenTree> = list.tokens.clone().into_iter().collect();
            tokens.windows(3).find_map(|w| match w {
                [
                    TokenTree::Ident(k),
                    TokenTree::Punct(eq),
                    TokenTree::Literal(lit),
                ] if k == key && eq.as_char() == '=' => Some(lit.clone()),
                _ => None,
            })
        })
}

fn translate(
    rule: &Meta,
    list: bool,
    out: &mut Vec<TokenStream2>,
    twins: &mut Vec<Twin>,
    not_null: &mut bool,
    items: &mut Vec<TokenStream2>,
    whole: &mut Option<TokenStream2>,
) -> syn::Result<()> {
    let name = rule
        .path()
        .get_ident()
        .map(ToString::to_string)
        .unwrap_or_default();
    match (name.as_str(), rule) {
        ("length", Meta::List(args)) => {
            let args = args.parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated)?;
            let chars = args.iter().any(|a| a.path().is_ident("chars"));
            if !list && !chars {
                let mode = args
                    .iter()
                    .find(|a| matches!(a, Meta::Path(_)))
                    .map_or("bytes".to_owned(), |a| quote!(#a).to_string());
                return Err(syn::Error::new_spanned(
                    rule,
                    format!(
                        "garde counts this length in {mode}; JSON Schema counts code points: \
                         write `length(chars, ..)`"
                    ),
                ));
            }
            let (min_key, max_key) = if list {
                ("min_items", "max_items")
            } else {
                ("min_length", "max_length")
            };
            push_bounds(&args, min_key, max_key, out, twins);
        }
        ("range", Meta::List(args)) => {
            let args = args.parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated)?;
            push_bounds(&args, "minimum", "maximum", out, twins);
        }
        ("pattern", Meta::List(args)) => match args.parse_args::<Lit>() {
            Ok(Lit::Str(re)) => out.push(quote!(pattern = #re)),
            _ => twins.push(Twin {
                key: "pattern",
                rule_value: args.tokens.clone(),
                pattern: true,
            }),
        },
        // garde's `email` (an addr-spec) is JSON Schema's `email` format.
        ("email", Meta::Path(_)) => out.push(quote!(format = Email)),
        // On a list, `inner` rules each item: they become builder calls on the item schema
        // (a runtime value, so a regex static needs no twin). On `Option`/`Patch` they rule
        // the value itself.
        ("inner", Meta::List(args)) => {
            let rules = args.parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated)?;
            for rule in &rules {
                if list {
                    item_rule(rule, items)?;
                } else {
                    translate(rule, false, out, twins, not_null, items, whole)?;
                }
            }
        }
        ("custom", Meta::List(args)) => {
            let custom = args.tokens.to_string().replace(' ', "");
            match custom.rsplit("::").next().unwrap_or_default() {
                "not_blank" | "not_blank_opt" | "not_blank_patch" => {
                    out.push(quote!(pattern = r"\S"));
                }
                "not_null" => *not_null = true,
                // Rules whose whole schema is one value: built at run time by a
                // `schema_with` function, so a constant needs no literal twin.
                "is_true" => {
                    *whole = Some(quote! {
                        ::utoipa::openapi::schema::ObjectBuilder::new()
                            .schema_type(::utoipa::openapi::schema::Type::Boolean)
                            .enum_values(Some([true]))
                    });
                }
                _ => {
                    if let Ok(Expr::Call(call)) = syn::parse2::<Expr>(args.tokens.clone())
                        && matches!(&*call.func, Expr::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "is_exactly"))
                        && let Some(expected) = call.args.first()
                    {
                        *whole = Some(quote! {
                            ::utoipa::openapi::schema::ObjectBuilder::new()
                                .schema_type(::utoipa::openapi::schema::Type::String)
                                .enum_values(Some([#expected]))
                        });
                    }
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// `min`/`max` of a rule: a literal (optionally negated) is written as `min_key`/`max_key`,
/// anything else needs a twin.
fn push_bounds(
    args: &Punctuated<Meta, Token![,]>,
    min_key: &'static str,
    max_key: &'static str,
    out: &mut Vec<TokenStream2>,
    twins: &mut Vec<Twin>,
) {
    for arg in args {
        let Meta::NameValue(nv) = arg else {
            continue;
        };
        let key = match nv.path.get_ident().map(ToString::to_string).as_deref() {
            Some("min") => min_key,
            Some("max") => max_key,
            _ => continue,
        };
        match literal(&nv.value) {
            Some(value) => {
                let key = syn::Ident::new(key, proc_macro2::Span::call_site());
                out.push(quote!(#key = #value));
            }
            None => {
                let value = &nv.value;
                twins.push(Twin {
                    key,
                    rule_value: quote!(#value),
                    pattern: false,
                });
            }
        }
    }
}

fn literal(expr: &Expr) -> Option<TokenStream2> {
    match expr {
        Expr::Lit(lit) if matches!(lit.lit, Lit::Int(_) | Lit::Float(_)) => Some(quote!(#lit)),
        Expr::Unary(unary) if matches!(unary.op, syn::UnOp::Neg(_)) => {
            literal(&unary.expr).map(|inner| quote!(-#inner))
        }
        _ => None,
    }
}

fn derives(attrs: &[Attribute], name: &str) -> bool {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("derive"))
        .any(|a| {
            a.parse_args_with(Punctuated::<syn::Path, Token![,]>::parse_terminated)
                .is_ok_and(|paths| {
                    paths
                        .iter()
                        .any(|p| p.segments.last().is_some_and(|s| s.ident == name))
                })
        })
}

/// `Vec<_>`, `HashSet<_>` or `BTreeSet<_>`, also inside `Option`/`Patch`.
fn is_list(ty: &Type) -> bool {
    let Type::Path(path) = ty else {
        return false;
    };
    let Some(last) = path.path.segments.last() else {
        return false;
    };
    match last.ident.to_string().as_str() {
        "Vec" | "HashSet" | "BTreeSet" => true,
        "Option" | "Patch" => match &last.arguments {
            syn::PathArguments::AngleBracketed(args) => args
                .args
                .iter()
                .any(|arg| matches!(arg, syn::GenericArgument::Type(inner) if is_list(inner))),
            _ => false,
        },
        _ => false,
    }
}

fn is_option(ty: &Type) -> bool {
    matches!(ty, Type::Path(path) if path.path.segments.last().is_some_and(|s| s.ident == "Option"))
}

/// `u32` or `Option<u32>`.
fn is_u32(ty: &Type) -> bool {
    let Type::Path(path) = ty else {
        return false;
    };
    let Some(last) = path.path.segments.last() else {
        return false;
    };
    if last.ident == "u32" {
        return true;
    }
    match &last.arguments {
        syn::PathArguments::AngleBracketed(args) if last.ident == "Option" => args
            .args
            .iter()
            .any(|arg| matches!(arg, syn::GenericArgument::Type(inner) if is_u32(inner))),
        _ => false,
    }
}

/// A `#[schema(value_type = ..)]` naming a list. (A type is no expression, so `value_type`
/// does not parse as `Meta`; its tokens are read as text.)
fn value_type_is_list(attrs: &[Attribute]) -> bool {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("schema"))
        .any(|a| {
            let text = schema_text(a);
            ["value_type=Vec", "value_type=Option<Vec"]
                .iter()
                .any(|prefix| text.contains(prefix))
        })
}

/// The attribute's tokens as text without whitespace (how the compiler spaces them varies).
fn schema_text(attr: &Attribute) -> String {
    match &attr.meta {
        Meta::List(list) => list
            .tokens
            .to_string()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect(),
        _ => String::new(),
    }
}

/// `value_type = Option<T>` becomes `value_type = T`: the field may be absent (it has a
/// serde default, so it stays optional) but `null` is refused.
fn strip_null_from_value_type(attrs: &mut [Attribute]) -> syn::Result<()> {
    const OPTION: &str = "value_type=Option<";
    for attr in attrs.iter_mut().filter(|a| a.path().is_ident("schema")) {
        let text = schema_text(attr);
        let Some(start) = text.find(OPTION) else {
            continue;
        };
        let inner_start = start + OPTION.len();
        let mut depth = 1;
        let mut end = None;
        for (i, c) in text[inner_start..].char_indices() {
            match c {
                '<' => depth += 1,
                '>' => {
                    depth -= 1;
                    if depth == 0 {
                        end = Some(inner_start + i);
                        break;
                    }
                }
                _ => {}
            }
        }
        let Some(end) = end else {
            continue;
        };
        let rewritten = format!(
            "{}value_type={}{}",
            &text[..start],
            &text[inner_start..end],
            &text[end + 1..]
        );
        let tokens: TokenStream2 = rewritten
            .parse()
            .map_err(|_| syn::Error::new_spanned(&attr.meta, "cannot rewrite value_type"))?;
        *attr = syn::parse_quote!(#[schema(#tokens)]);
    }
    Ok(())
}

/// The hidden function that builds one field's schema (`__garde_schema_<Type>_<field>`).
fn schema_fn_ident(
    type_name: &impl std::fmt::Display,
    field_name: &impl std::fmt::Display,
) -> syn::Ident {
    syn::Ident::new(
        &format!("__garde_schema_{type_name}_{field_name}"),
        proc_macro2::Span::call_site(),
    )
}
