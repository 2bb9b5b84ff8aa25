from tilaapp.cli.main import main

raise SystemExit(main())
