from medxtract.cli.app import main

main()
