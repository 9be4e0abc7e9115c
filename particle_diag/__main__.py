from particle_diag.cli.main import run

run()
