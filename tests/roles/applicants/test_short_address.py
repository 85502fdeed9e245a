def test_the_short_address_leads_to_the_application_form(client):
    response = client.get("/apply")
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/careers/apply")
    assert b"name=\"email\"" in client.get("/apply", follow_redirects=True).data


def test_the_applicant_site_alone_also_answers_the_short_address(app):
    from portal.app import create_app

    site = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                       "INSTANCE_PATH": app.config["INSTANCE_PATH"]}, roles="applicants")
    response = site.test_client().get("/apply")
    assert response.status_code == 301 and response.headers["Location"].endswith("/careers/apply")
