from sensor2text.cli.main import main

raise SystemExit(main())
