from safeharbor.cli import main

main()
