use clap::Parser;

#[actix_web::main]
async fn main() -> std::process::ExitCode {
    let cli = dealaai::cli::Cli::parse();
    match dealaai::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
