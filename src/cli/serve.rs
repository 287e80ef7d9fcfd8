//! `verity serve`: the embedded reference servers, until Ctrl-C.

use std::io::Write;

use super::args::ServeArgs;
use super::usage;
use crate::reference::{self, Api, Faults, Reading, Readings};

/// `--fault list`: each fault with its server and what it breaks.
pub(crate) fn print_catalogue() {
    for fault in reference::catalogue() {
        println!(
            "{:<40} {:<7} {}",
            fault.name,
            fault.api.name(),
            fault.summary
        );
    }
}

/// `--readings list`: each reading with what it changes.
fn print_readings() {
    for reading in Reading::ALL {
        println!("{:<16} {}", reading.name(), reading.summary());
    }
}

pub async fn serve(args: ServeArgs) -> u8 {
    if args.faults.iter().any(|f| f == "list") {
        print_catalogue();
        return 0;
    }
    if args.readings.iter().any(|r| r == "list") {
        print_readings();
        return 0;
    }
    let mut apis = Vec::new();
    for name in &args.suites {
        match Api::from_name(name) {
            Some(api) => apis.push(api),
            None => {
                return usage(format!(
                    "--suite {name}: the reference servers are `toluna` and `onsi`"
                ));
            }
        }
    }
    if apis.is_empty() {
        apis = Api::ALL.to_vec();
    }
    let faults = match Faults::from_names(&args.faults) {
        Ok(f) => f,
        Err(e) => return usage(e),
    };
    let readings = match Readings::from_names(&args.readings) {
        Ok(r) => r,
        Err(e) => return usage(format!("--readings: {e}")),
    };
    let custom_key = args.api_key.is_some();
    let options = reference::Options {
        apis: apis.clone(),
        faults,
        readings,
        onsi_api_key: args
            .api_key
            .unwrap_or_else(|| reference::DEMO_API_KEY.to_string()),
    };
    let server = match reference::start(args.addr, &options).await {
        Ok(s) => s,
        Err(e) => return usage(format!("cannot listen on {}: {e}", args.addr)),
    };
    let base = server.base_url();
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "verity reference servers listening on {base}");
    if apis.contains(&Api::Toluna) {
        let _ = writeln!(
            out,
            "  toluna: {base}/IntegratedPanelService/api/Respondent  (header Accept: application/json;version=2.0)"
        );
        let _ = writeln!(
            out,
            "          seeded member: memberCode={} partnerGUID={}",
            reference::toluna::SEED_MEMBER_CODE,
            reference::toluna::SEED_PARTNER_GUID
        );
    }
    if apis.contains(&Api::Onsi) {
        let key = if custom_key {
            "the key given with --api-key".to_string()
        } else {
            format!("x-api-key: {}", reference::DEMO_API_KEY)
        };
        let _ = writeln!(out, "  onsi:   {base}/v1/members  ({key})");
        let _ = writeln!(
            out,
            "          seeded active member: {}",
            reference::onsi::SEED_ACTIVE_MEMBER_ID
        );
    }
    for fault in options.faults.names() {
        let _ = writeln!(out, "  fault switched on: {fault}");
    }
    for reading in options.readings.names() {
        let _ = writeln!(out, "  reading: {reading}");
    }
    let _ = writeln!(
        out,
        "Run the suites against it:  verity run --base-url {base} --var active_member_id={}",
        reference::onsi::SEED_ACTIVE_MEMBER_ID
    );
    let _ = writeln!(out, "Stop with Ctrl-C.");
    let _ = out.flush();
    drop(out);
    let _ = tokio::signal::ctrl_c().await;
    server.stop().await;
    0
}
